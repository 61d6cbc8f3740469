package dev.switchboard.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedded cache stays within its bounds, however many distinct requests it sees. */
class CacheBoundsTest {

  static ChatRequest ask(String text) {
    return new ChatRequest(
        "mock-chat",
        List.of(new ChatMessage.User(text)),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void hundredThousandDistinctRequestsKeepAtMostTenThousandEntries() {
    CacheSettings bounds = CacheSettings.builder().maxEntries(10_000).build();
    RequestOptions options =
        RequestOptions.builder()
            .provider("mock")
            .config("{\"provider\":\"mock\",\"cache\":{\"mode\":\"simple\"}}")
            .build();
    try (Gateway gateway =
        Gateway.builder().settings(GatewaySettings.builder().cache(bounds).build()).build()) {
      long most = 0;
      for (int i = 0; i < 100_000; i++) {
        gateway.chat(ask("question number " + i), options);
        if (i % 10_000 == 9_999) {
          most = Math.max(most, gateway.cacheStatistics().entries());
        }
      }
      CacheStatistics.Snapshot statistics = gateway.cacheStatistics();
      System.out.printf(
          "bounds: %d stores, %d entries at the end, at most %d seen%n",
          statistics.stores(), statistics.entries(), most);

      assertThat(statistics.stores()).isEqualTo(100_000);
      assertThat(statistics.misses()).isEqualTo(100_000);
      assertThat(statistics.entries()).isBetween(1L, 10_000L);
      assertThat(most).isLessThanOrEqualTo(10_000);
    }
  }

  @Test
  void theBytesKeptStayWithinTheByteBound() {
    CacheSettings bounds = CacheSettings.builder().maxEntries(10_000).maxBytes(1024 * 1024).build();
    EmbeddedCacheStore store = new EmbeddedCacheStore(bounds, Clock.systemUTC());
    byte[] kilobyte = new byte[4 * 1024];
    long expires = System.currentTimeMillis() + 60_000;
    for (int i = 0; i < 10_000; i++) {
      store.put(
          new CacheKey(Integer.toString(i)),
          new StoredAnswer(StoredAnswer.Kind.CHAT, kilobyte, 0, 0, expires));
    }

    System.out.printf(
        "byte bound: %d entries, %d bytes weighed%n", store.entryCount(), store.weightedBytes());
    assertThat(store.weightedBytes()).isLessThanOrEqualTo(1024 * 1024);
    assertThat(store.entryCount()).isBetween(1L, 1024L * 1024 / kilobyte.length);
  }
}
