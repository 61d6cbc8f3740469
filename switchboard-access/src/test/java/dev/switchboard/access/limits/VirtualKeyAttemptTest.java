package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.access.VirtualKeys;
import dev.switchboard.engine.errors.LimitExceededException;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A virtual key's limits hold each attempt that uses it: its budget stops requests naming it, and
 * in a fallback only the attempt that answered is charged.
 */
@Timeout(60)
class VirtualKeyAttemptTest {

  @Test
  void aVirtualKeysBudgetStopsTheRequestsThatUseIt() {
    Subject virtualKey =
        new Subject(
            Subject.Kind.VIRTUAL_KEY, "ws/vk-" + System.nanoTime(), budget("0.50", Period.MONTH));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC())) {
      LimitStage stage = LimitsFixture.stage(limiter);
      VirtualKeys keys =
          (slug, exchange) -> {
            stage.admit(exchange, virtualKey);
            return new VirtualKeys.Credentials("mock", null, Map.of());
          };
      try (Gateway gateway = gateway(stage, keys, GatewaySettings.builder())) {
        RequestOptions options =
            RequestOptions.builder().config("{\"virtual_key\":\"vk\"}").build();
        // Routed by a config, the provider is not known at admission: each request reserves the
        // highest price any provider of the table has for its model (the mock's, $0.10) and is
        // settled at its cost ($0.10). Five fit, a sixth does not ($0.50 + $0.10 > $0.50).
        for (int i = 0; i < 5; i++) {
          gateway.chat(hi(), options);
        }

        assertThatThrownBy(() -> gateway.chat(hi(), options))
            .isInstanceOfSatisfying(
                LimitExceededException.class,
                refused -> assertThat(refused.status()).isEqualTo(412));
      }
      Limiter.Usage usage = limiter.usage(virtualKey);
      assertThat(usage.spentUsd()).isEqualByComparingTo(new BigDecimal("0.50"));
      assertThat(usage.reservedUsd()).isZero();
    }
  }

  @Test
  void aFallbackChargesTheVirtualKeyThatAnsweredAndReleasesTheOneThatFailed() {
    Subject failing =
        new Subject(
            Subject.Kind.VIRTUAL_KEY, "ws/a-" + System.nanoTime(), budget("5.00", Period.MONTH));
    Subject answering =
        new Subject(
            Subject.Kind.VIRTUAL_KEY, "ws/b-" + System.nanoTime(), budget("5.00", Period.MONTH));
    try (FakeOpenAi openai = FakeOpenAi.builder().everyRequest(Fault.status(500)).start();
        HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC())) {
      LimitStage stage = LimitsFixture.stage(limiter);
      VirtualKeys keys =
          (slug, exchange) -> {
            boolean first = slug.equals("a");
            stage.admit(exchange, first ? failing : answering);
            return first
                ? new VirtualKeys.Credentials("openai", "sk-test", Map.of())
                : new VirtualKeys.Credentials("mock", null, Map.of());
          };
      var settings =
          GatewaySettings.builder().providerBaseUrl("openai", URI.create(openai.baseUrl()));
      try (Gateway gateway = gateway(stage, keys, settings)) {
        String config =
            "{\"strategy\":{\"mode\":\"fallback\"},"
                + "\"targets\":[{\"virtual_key\":\"a\"},{\"virtual_key\":\"b\"}]}";
        var answer = gateway.chat(hi(), RequestOptions.builder().config(config).build());
        assertThat(answer.provider()).isEqualTo("mock");
      }
      assertThat(limiter.usage(failing).spentUsd()).isZero();
      assertThat(limiter.usage(failing).reservedUsd()).isZero();
      assertThat(limiter.usage(answering).spentUsd()).isEqualByComparingTo(LimitsFixture.TEN_CENTS);
      assertThat(limiter.usage(answering).reservedUsd()).isZero();
      assertThat(stage.pendingCount()).isZero();
    }
  }

  private static Gateway gateway(
      LimitStage stage, VirtualKeys keys, GatewaySettings.Builder settings) {
    return Gateway.builder()
        .settings(settings.prices(LimitsFixture.prices()).build())
        .admission(stage)
        .recordSink(stage)
        .virtualKeys(keys)
        .build();
  }
}
