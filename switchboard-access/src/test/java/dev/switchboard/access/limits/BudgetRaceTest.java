package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.answered;
import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.mock;
import static dev.switchboard.access.limits.LimitsFixture.race;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.errors.LimitExceededException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A $1.00 budget and 100 requests of $0.10 each, released at once: no more than ten get through,
 * the budget is never overshot, and the rest are refused with 412 {@code budget_exceeded}.
 */
@Timeout(120)
class BudgetRaceTest {
  private static final BigDecimal ONE_DOLLAR = new BigDecimal("1.00");

  @Test
  void oneNodeOnH2AdmitsAtMostTenAndNeverOvershoots() throws Exception {
    try (HikariDataSource data = LimitsFixture.h2()) {
      raceOnOneNode(data, false, "H2");
    }
  }

  @Test
  void oneNodeOnPostgresAdmitsAtMostTenAndNeverOvershoots() throws Exception {
    try (HikariDataSource data = LimitsFixture.pool(LimitsFixture.postgresUrl())) {
      raceOnOneNode(data, true, "PostgreSQL");
    }
  }

  @Test
  void twoNodesSharingPostgresAndRedisAdmitAtMostTenBetweenThem() throws Exception {
    String url = LimitsFixture.postgresUrl();
    Subject key = LimitsFixture.key(budget("1.00", Period.MONTH));
    try (HikariDataSource dataA = LimitsFixture.pool(url);
        HikariDataSource dataB = LimitsFixture.pool(url);
        Limiter limiterA =
            Limiters.create(dataA, true, LimitsFixture.REDIS_URL, null, Clock.systemUTC());
        Limiter limiterB =
            Limiters.create(dataB, true, LimitsFixture.REDIS_URL, null, Clock.systemUTC());
        Gateway nodeA = gateway(stage(limiterA, key), Clock.systemUTC());
        Gateway nodeB = gateway(stage(limiterB, key), Clock.systemUTC())) {
      var results = race(100, i -> () -> (i % 2 == 0 ? nodeA : nodeB).chat(hi(), mock()));

      Limiter.Usage usage = limiterA.usage(key);
      long admitted = answered(results);
      BigDecimal overshoot = usage.spentUsd().subtract(ONE_DOLLAR).max(BigDecimal.ZERO);
      System.out.printf(
          "budget race, two nodes (PostgreSQL + Redis): admitted %d of 100, spent $%s,"
              + " overshoot $%s%n",
          admitted, usage.spentUsd().toPlainString(), overshoot.toPlainString());
      assertThat(admitted).isLessThanOrEqualTo(10);
      assertThat(admitted).isEqualTo(10);
      assertThat(usage.spentUsd()).isLessThanOrEqualTo(ONE_DOLLAR);
      assertThat(usage.reservedUsd()).isZero();
      assertRefusedAsBudgetExceeded(results);
      LimitsFixture.deleteRateBuckets(key);
    }
  }

  private static void raceOnOneNode(HikariDataSource data, boolean postgres, String database)
      throws Exception {
    Subject key = LimitsFixture.key(budget("1.00", Period.MONTH));
    try (Limiter limiter = Limiters.create(data, postgres, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC())) {
      var results = race(100, i -> () -> gateway.chat(hi(), mock()));

      Limiter.Usage usage = limiter.usage(key);
      long admitted = answered(results);
      BigDecimal overshoot = usage.spentUsd().subtract(ONE_DOLLAR).max(BigDecimal.ZERO);
      System.out.printf(
          "budget race, one node (%s): admitted %d of 100, spent $%s, overshoot $%s%n",
          database, admitted, usage.spentUsd().toPlainString(), overshoot.toPlainString());
      assertThat(admitted).isLessThanOrEqualTo(10);
      // The estimate equals the real cost, so exactly the budget's worth gets through.
      assertThat(admitted).isEqualTo(10);
      assertThat(usage.spentUsd()).isEqualByComparingTo(ONE_DOLLAR);
      assertThat(overshoot).isZero();
      assertThat(usage.reservedUsd()).isZero();
      assertRefusedAsBudgetExceeded(results);
    }
  }

  private static void assertRefusedAsBudgetExceeded(List<LimitsFixture.Result> results) {
    assertThat(results)
        .filteredOn(result -> !result.answered())
        .hasSize(90)
        .allSatisfy(result -> {
          assertThat(result.error()).isInstanceOf(LimitExceededException.class);
          LimitExceededException refused = (LimitExceededException) result.error();
          assertThat(refused.status()).isEqualTo(412);
          assertThat(refused.code()).isEqualTo("budget_exceeded");
          assertThat(refused.getMessage()).contains("budget").doesNotContain("sbk-");
        });
  }
}
