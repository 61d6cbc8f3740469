package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.mock;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.errors.LimitExceededException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A budget starts afresh with its period (UTC), and a refusal says how long until then. */
@Timeout(60)
class BudgetPeriodTest {

  @Test
  void aDailyBudgetIsSpentUntilTheNextUtcDayAndThenResets() {
    LimitsFixture.MovableClock clock =
        new LimitsFixture.MovableClock(Instant.parse("2026-03-10T22:30:00Z"));
    Subject key = LimitsFixture.key(budget("0.20", Period.DAY));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, clock);
        Gateway gateway = gateway(stage(limiter, key), clock)) {
      gateway.chat(hi(), mock());
      gateway.chat(hi(), mock());

      assertThatThrownBy(() -> gateway.chat(hi(), mock()))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              refused -> {
                assertThat(refused.status()).isEqualTo(412);
                assertThat(refused.code()).isEqualTo("budget_exceeded");
                assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(90));
              });

      clock.advance(Duration.ofMinutes(89));
      assertThatThrownBy(() -> gateway.chat(hi(), mock()))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              refused -> assertThat(refused.retryAfter()).isEqualTo(Duration.ofMinutes(1)));

      clock.advance(Duration.ofMinutes(1));
      assertThat(gateway.chat(hi(), mock()).body().choices()).isNotEmpty();
      Limiter.Usage usage = limiter.usage(key);
      assertThat(usage.periodStart()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
      assertThat(usage.spentUsd()).isEqualByComparingTo(new BigDecimal("0.10"));
    }
  }

  @Test
  void aRequestAdmittedBeforeMidnightIsSettledInTheDayItWasAdmitted() {
    LimitsFixture.MovableClock clock =
        new LimitsFixture.MovableClock(Instant.parse("2026-03-10T23:59:59Z"));
    Subject key = LimitsFixture.key(budget("0.20", Period.DAY));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, clock)) {
      Limiter.Hold hold =
          limiter.admit(List.of(key), new Limiter.Estimate(new BigDecimal("0.10"), 10));
      clock.advance(Duration.ofSeconds(2));
      hold.settle(new Limiter.Used(new BigDecimal("0.10"), 10L));

      Limiter.Usage today = limiter.usage(key);
      assertThat(today.periodStart()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
      assertThat(today.spentUsd()).isZero();
      assertThat(today.reservedUsd()).isZero();
    }
  }

  @Test
  void aBudgetThatNeverResetsGivesNoRetryAfter() {
    Subject key = LimitsFixture.key(budget("0.10", Period.NEVER));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, java.time.Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), java.time.Clock.systemUTC())) {
      gateway.chat(hi(), mock());

      assertThatThrownBy(() -> gateway.chat(hi(), mock()))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              refused -> {
                assertThat(refused.status()).isEqualTo(412);
                assertThat(refused.retryAfter()).isNull();
              });
    }
  }
}
