package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.mock;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.errors.LimitExceededException;
import dev.switchboard.engine.pipeline.Operation;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tokens per minute: admission reserves a request's estimate, settlement gives back what it did not
 * use, and once the minute's tokens are used up requests are refused with 429.
 */
@Timeout(60)
class TokensPerMinuteTest {
  private static final Limiter.Estimate HUNDRED = new Limiter.Estimate(BigDecimal.ZERO, 100);

  @Test
  void refusesOnceTheMinutesTokensAreReservedAndTakesBackWhatWasNotUsed() {
    Subject key = LimitsFixture.key(new Limits(null, 200L, null));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC())) {
      Limiter.Hold first = limiter.admit(List.of(key), HUNDRED);
      Limiter.Hold second = limiter.admit(List.of(key), HUNDRED);

      assertThatThrownBy(() -> limiter.admit(List.of(key), HUNDRED))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              refused -> {
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.retryAfter()).isPositive();
                assertThat(refused.headers())
                    .containsEntry("x-ratelimit-limit-tokens", "200")
                    .containsEntry("x-ratelimit-remaining-tokens", "0");
              });

      first.settle(new Limiter.Used(BigDecimal.ZERO, 10L));
      assertThat(limiter.usage(key).tokensThisMinute()).isEqualTo(110);
      // 90 tokens are free again: not enough for another 100, enough for 90.
      assertThatThrownBy(() -> limiter.admit(List.of(key), HUNDRED))
          .isInstanceOf(LimitExceededException.class);
      Limiter.Hold third = limiter.admit(List.of(key), new Limiter.Estimate(BigDecimal.ZERO, 90));
      assertThat(third.headers()).containsEntry("x-ratelimit-remaining-tokens", "0");

      second.settle(new Limiter.Used(BigDecimal.ZERO, 150L));
      // Used more than it reserved: charged all the same, the minute goes into debt.
      assertThat(limiter.usage(key).tokensThisMinute()).isGreaterThanOrEqualTo(200);
      third.settle(Limiter.Used.NOTHING);
    }
  }

  @Test
  void aRequestThroughTheGatewayIsChargedTheTokensItUsedNotItsEstimate() {
    Subject key = LimitsFixture.key(new Limits(null, 1_000L, null));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC())) {
      long estimate =
          Estimates.of(
                  new Operation.Chat(hi()), mock(), LimitsFixture.prices(), LimitsFixture.UNPRICED)
              .tokens();

      var reply = gateway.chat(hi(), mock()).body();

      long used = reply.usage().promptTokens() + reply.usage().completionTokens();
      assertThat(estimate).isGreaterThan(used);
      assertThat(limiter.usage(key).tokensThisMinute()).isEqualTo(used);
    }
  }

  @Test
  void aTokenBudgetStopsRequestsOnceItsTokensAreSpent() {
    Subject key =
        LimitsFixture.key(
            new Limits(
                null,
                null,
                new dev.switchboard.access.Budget(
                    null, 12L, dev.switchboard.access.Period.MONTH, List.of())));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC())) {
      Limiter.Estimate six = new Limiter.Estimate(BigDecimal.ZERO, 6);
      limiter.admit(List.of(key), six).settle(new Limiter.Used(BigDecimal.ZERO, 6L));
      limiter.admit(List.of(key), six).settle(new Limiter.Used(BigDecimal.ZERO, 6L));

      assertThatThrownBy(() -> limiter.admit(List.of(key), six))
          .isInstanceOfSatisfying(
              LimitExceededException.class, refused -> assertThat(refused.status()).isEqualTo(412));
      assertThat(limiter.usage(key).spentTokens()).isEqualTo(12);
      assertThat(limiter.usage(key).reservedTokens()).isZero();
    }
  }
}
