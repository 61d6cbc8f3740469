package dev.switchboard.observe.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.observe.RequestRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The live tail never holds a request back: a subscriber that does not read loses what its buffer
 * cannot hold, counted, while the others still get every record.
 */
class LiveTailTest {
  static RequestRecord record(int n) {
    return new RequestRecord(
        "id-" + n,
        "trace-" + n,
        null,
        Instant.EPOCH,
        "POST",
        "/v1/chat/completions",
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        0,
        false,
        null,
        null,
        200,
        null,
        null,
        null,
        null,
        null,
        null,
        1.0,
        null,
        false,
        null,
        Map.of(),
        null,
        List.of(),
        null,
        null,
        null,
        List.of(),
        null,
        null);
  }

  @Test
  void aSubscriberThatDoesNotReadLosesTheOverflowAndTheOthersGetEverything() throws Exception {
    LiveTail tail = new LiveTail(4, 8);
    try (LiveTail.Subscription slow = tail.subscribe();
        LiveTail.Subscription reader = tail.subscribe()) {
      for (int n = 0; n < 10; n++) {
        tail.accept(record(n));
        assertThat(reader.poll(Duration.ZERO).id()).isEqualTo("id-" + n);
      }

      assertThat(slow.dropped()).isEqualTo(6);
      assertThat(reader.dropped()).isZero();
      assertThat(tail.dropped()).isEqualTo(6);
      for (int n = 0; n < 4; n++) {
        assertThat(slow.poll(Duration.ZERO).id()).isEqualTo("id-" + n);
      }
      assertThat(slow.poll(Duration.ofMillis(1))).isNull();
    }
    assertThat(tail.subscribers()).isZero();
  }

  @Test
  void aClosedSubscriptionGetsNothingMoreAndFreesItsPlace() throws Exception {
    LiveTail tail = new LiveTail(4, 1);
    LiveTail.Subscription first = tail.subscribe();
    assertThatThrownBy(tail::subscribe).isInstanceOf(IllegalStateException.class);
    first.close();

    try (LiveTail.Subscription second = tail.subscribe()) {
      tail.accept(record(1));
      assertThat(first.poll(Duration.ZERO)).isNull();
      assertThat(second.poll(Duration.ZERO).id()).isEqualTo("id-1");
    }
  }
}
