package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.LimitExceededException;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.testkit.FakeOpenAi;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Paths passed through to the provider debit budgets too: estimated from a JSON body (its model and
 * {@code max_tokens}; a model without a price at the unpriced rates), and charged the usage the
 * answer reports, or the estimate when it reports none.
 */
@Timeout(60)
class PassThroughBudgetTest {
  private static final RequestOptions OPENAI =
      RequestOptions.builder().provider("openai").apiKey("sk-test").build();

  @Test
  void aBodyNamingAPricedModelAndMaxTokensIsChargedItsAnswersUsage() {
    Subject key = LimitsFixture.key(budget("1.00", Period.MONTH));
    try (FakeOpenAi openai = FakeOpenAi.start();
        HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC(), settings(openai))) {
      String body =
          "{\"model\":\"priced-openai\",\"max_tokens\":5,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

      try (var answer = gateway.passThrough(post("/chat/completions", body), OPENAI).body()) {
        assertThat(answer.status()).isEqualTo(200);
      }

      Limiter.Usage usage = limiter.usage(key);
      assertThat(usage.spentUsd()).isEqualByComparingTo(LimitsFixture.TEN_CENTS);
      assertThat(usage.reservedUsd()).isZero();
    }
  }

  @Test
  void anUnpricedBodyThatNamesNoMaxTokensReservesTheDefaultCapAtTheUnpricedRates() {
    Subject key = LimitsFixture.key(budget("0.30", Period.MONTH));
    try (FakeOpenAi openai = FakeOpenAi.start();
        HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC(), settings(openai))) {
      String body = "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}";

      try (var answer = gateway.passThrough(post("/moderations", body), OPENAI).body()) {
        assertThat(answer.status()).isEqualTo(200);
      }
      // No usage in the answer: the estimate stays charged, its bytes at $10 a million and 4096
      // completion tokens at $50 a million.
      BigDecimal estimate =
          new BigDecimal(body.getBytes(StandardCharsets.UTF_8).length * 10L + 4096 * 50L)
              .movePointLeft(6);
      assertThat(limiter.usage(key).spentUsd()).isEqualByComparingTo(estimate);

      // About $0.21 spent of $0.30: another $0.21 does not fit.
      assertThatThrownBy(() -> gateway.passThrough(post("/moderations", body), OPENAI))
          .isInstanceOfSatisfying(
              LimitExceededException.class, refused -> assertThat(refused.status()).isEqualTo(412));
      assertThat(openai.requestCount()).isEqualTo(1);
      assertThat(limiter.usage(key).reservedUsd()).isZero();
    }
  }

  @Test
  void aRequestWithoutABodyReservesTheUnpricedRequestEstimate() {
    Subject key = LimitsFixture.key(budget("1.00", Period.MONTH));
    try (FakeOpenAi openai = FakeOpenAi.start();
        HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC(), settings(openai))) {
      var get = new PassThroughRequest("GET", "/models", null, List.of(), null);

      try (var answer = gateway.passThrough(get, OPENAI).body()) {
        assertThat(answer.status()).isEqualTo(200);
      }

      assertThat(limiter.usage(key).spentUsd())
          .isEqualByComparingTo(LimitsFixture.UNPRICED.requestUsd());
    }
  }

  private static GatewaySettings settings(FakeOpenAi openai) {
    return GatewaySettings.builder()
        .prices(LimitsFixture.prices())
        .providerBaseUrl("openai", URI.create(openai.baseUrl()))
        .build();
  }

  private static PassThroughRequest post(String path, String json) {
    return new PassThroughRequest(
        "POST",
        path,
        null,
        List.of(Map.entry("content-type", "application/json")),
        json.getBytes(StandardCharsets.UTF_8));
  }
}
