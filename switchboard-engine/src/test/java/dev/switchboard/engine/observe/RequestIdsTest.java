package dev.switchboard.engine.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Request ids: UUIDv7 that sort by time and do not collide, on any number of threads. */
class RequestIdsTest {

  @Test
  void anIdIsAUuidVersion7CarryingItsMillisecond() {
    Instant now = Instant.parse("2026-12-08T01:30:00.123Z");
    RequestIds ids = new RequestIds(Clock.fixed(now, ZoneOffset.UTC));

    UUID id = UUID.fromString(ids.next());

    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(now.toEpochMilli());
  }

  @Test
  void idsOfLaterMillisecondsSortAfter() {
    Instant now = Instant.parse("2026-12-08T01:30:00Z");
    String earlier = new RequestIds(Clock.fixed(now, ZoneOffset.UTC)).next();
    String later = new RequestIds(Clock.fixed(now.plusMillis(1), ZoneOffset.UTC)).next();

    assertThat(later).isGreaterThan(earlier);
  }

  @Test
  void idsMadeInOneMillisecondOnManyVirtualThreadsNeverCollide() throws Exception {
    // One millisecond for all: only the random bits tell them apart, each thread with its own.
    RequestIds ids = new RequestIds(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    Set<String> seen = ConcurrentHashMap.newKeySet();
    List<Future<?>> made = new ArrayList<>();
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int thread = 0; thread < 2_000; thread++) {
        made.add(
            threads.submit(() -> {
              for (int i = 0; i < 100; i++) {
                seen.add(ids.next());
              }
            }));
      }
      for (Future<?> done : made) {
        done.get();
      }
    }

    assertThat(seen).hasSize(200_000);
  }
}
