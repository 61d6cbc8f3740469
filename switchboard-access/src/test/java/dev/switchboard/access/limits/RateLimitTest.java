package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.answered;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.mock;
import static dev.switchboard.access.limits.LimitsFixture.race;
import static dev.switchboard.access.limits.LimitsFixture.requestsPerMinute;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.errors.LimitExceededException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 60 requests a minute: of 200 sent at once, 60 succeed and the rest get 429 with {@code
 * Retry-After} and OpenAI's rate-limit headers; two gateways sharing Redis let 60 through between
 * them.
 */
@Timeout(120)
class RateLimitTest {

  @Test
  void sixtyRequestsPerMinuteLetsSixtyOfTwoHundredThrough() throws Exception {
    Subject key = LimitsFixture.key(requestsPerMinute(60));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC())) {
      var results = race(200, i -> () -> gateway.chat(hi(), mock()));

      long admitted = answered(results);
      System.out.printf("rate limit, one node (in process): %d of 200 succeeded%n", admitted);
      assertThat(admitted).isLessThanOrEqualTo(60);
      assertThat(admitted).isEqualTo(60);
      assertRateLimited(results, 140);
    }
  }

  @Test
  void twoNodesSharingRedisLetSixtyThroughBetweenThem() throws Exception {
    Subject key = LimitsFixture.key(requestsPerMinute(60));
    try (HikariDataSource dataA = LimitsFixture.h2();
        HikariDataSource dataB = LimitsFixture.h2();
        Limiter limiterA =
            Limiters.create(dataA, false, LimitsFixture.REDIS_URL, null, Clock.systemUTC());
        Limiter limiterB =
            Limiters.create(dataB, false, LimitsFixture.REDIS_URL, null, Clock.systemUTC());
        Gateway nodeA = gateway(stage(limiterA, key), Clock.systemUTC());
        Gateway nodeB = gateway(stage(limiterB, key), Clock.systemUTC())) {
      var results = race(200, i -> () -> (i % 2 == 0 ? nodeA : nodeB).chat(hi(), mock()));

      long admitted = answered(results);
      System.out.printf("rate limit, two nodes (Redis): %d of 200 succeeded%n", admitted);
      assertThat(admitted).isLessThanOrEqualTo(60);
      assertThat(admitted).isEqualTo(60);
      assertRateLimited(results, 140);
    } finally {
      LimitsFixture.deleteRateBuckets(key);
    }
  }

  @Test
  void answersCarryTheTightestLimitsHeaders() {
    Subject workspace =
        new Subject(Subject.Kind.WORKSPACE, "ws-" + System.nanoTime(), requestsPerMinute(100));
    Subject key = LimitsFixture.key(requestsPerMinute(3));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, workspace, key), Clock.systemUTC())) {
      var first = headers(gateway.chat(hi(), mock()).facts().gatewayHeaders());

      assertThat(first)
          .containsEntry("x-ratelimit-limit-requests", "3")
          .containsEntry("x-ratelimit-remaining-requests", "2")
          .containsKey("x-ratelimit-reset-requests");
    }
  }

  @Test
  void refusalWaitsUntilTheNextMinuteOnTheClock() {
    LimitsFixture.MovableClock clock =
        new LimitsFixture.MovableClock(Instant.parse("2026-03-10T12:00:00Z"));
    Subject key = LimitsFixture.key(requestsPerMinute(2));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, clock);
        Gateway gateway = gateway(stage(limiter, key), clock)) {
      gateway.chat(hi(), mock());
      clock.advance(Duration.ofSeconds(20));
      gateway.chat(hi(), mock());

      assertThatThrownBy(() -> gateway.chat(hi(), mock()))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              refused -> {
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(40));
              });
      clock.advance(Duration.ofSeconds(40));
      assertThat(gateway.chat(hi(), mock()).body().choices()).isNotEmpty();
    }
  }

  @Test
  void rateCountersThatCannotBeReachedLetRequestsThroughWhileBudgetsStillHold() {
    Subject key =
        LimitsFixture.key(
            new dev.switchboard.access.Limits(
                1L,
                null,
                LimitsFixture.budget("0.20", dev.switchboard.access.Period.MONTH).budget()));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter =
            Limiters.create(data, false, "redis://127.0.0.1:1", null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC())) {
      gateway.chat(hi(), mock());
      gateway.chat(hi(), mock());

      assertThatThrownBy(() -> gateway.chat(hi(), mock()))
          .isInstanceOfSatisfying(
              LimitExceededException.class, refused -> assertThat(refused.status()).isEqualTo(412));
    }
  }

  private static void assertRateLimited(List<LimitsFixture.Result> results, int refused) {
    assertThat(results)
        .filteredOn(result -> !result.answered())
        .hasSize(refused)
        .allSatisfy(result -> {
          assertThat(result.error()).isInstanceOf(LimitExceededException.class);
          LimitExceededException limited = (LimitExceededException) result.error();
          assertThat(limited.status()).isEqualTo(429);
          assertThat(limited.code()).isEqualTo("rate_limit_exceeded");
          assertThat(limited.retryAfter()).isPositive();
          assertThat(limited.headers())
              .containsEntry("x-ratelimit-limit-requests", "60")
              .containsEntry("x-ratelimit-remaining-requests", "0")
              .containsKey("x-ratelimit-reset-requests");
        });
  }

  private static Map<String, String> headers(List<Map.Entry<String, String>> headers) {
    return headers.stream()
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b));
  }
}
