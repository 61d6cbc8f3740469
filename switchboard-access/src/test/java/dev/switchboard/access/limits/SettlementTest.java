package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.mock;
import static dev.switchboard.access.limits.LimitsFixture.race;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Once every request is over, nothing stays reserved: answers, upstream failures, streams read to
 * the end, streams the client closed early and streams the provider cut all settle their holds.
 */
@Timeout(120)
class SettlementTest {
  private static final ChatRequest OPENAI_HI =
      WireJson.read(
          "{\"model\":\"priced-openai\",\"max_tokens\":5,\"stream\":true,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
          ChatRequest.class);

  @Test
  void nothingStaysReservedOnceEveryKindOfRequestIsOver() throws Exception {
    Subject key =
        LimitsFixture.key(new Limits(null, 1_000_000L, budget("100.00", Period.MONTH).budget()));
    try (FakeOpenAi failing = FakeOpenAi.builder().everyRequest(Fault.status(500)).start();
        FakeOpenAi cutting =
            FakeOpenAi.builder().everyRequest(new Fault.CutStreamAfter(1)).start();
        HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, null, Clock.systemUTC())) {
      LimitStage stage = stage(limiter, key);
      GatewaySettings settings =
          GatewaySettings.builder()
              .prices(LimitsFixture.prices())
              .providerBaseUrl("openai", URI.create(failing.baseUrl()))
              .build();
      try (Gateway gateway = gateway(stage, Clock.systemUTC(), settings)) {
        RequestOptions toFailing =
            RequestOptions.builder().provider("openai").apiKey("sk-test").build();
        RequestOptions toCutting =
            RequestOptions.builder()
                .provider("openai")
                .apiKey("sk-test")
                .customHost(cutting.baseUrl())
                .build();
        var results =
            race(
                50,
                i ->
                    () -> {
                      switch (i % 5) {
                        case 0 -> gateway.chat(hi(), mock());
                        case 1 -> readToTheEnd(gateway.chatStream(hi(true), mock()));
                        case 2 -> {
                          try (var stream = gateway.chatStream(hi(true), mock())) {
                            stream.next();
                          }
                        }
                        case 3 -> gateway.chat(OPENAI_HI, toFailing);
                        default -> readToTheEnd(gateway.chatStream(OPENAI_HI, toCutting));
                      }
                    });

        // The upstream's 500s, or 503 once they opened its circuit.
        assertThat(results.stream().filter(r -> !r.answered()).map(r -> r.error().status()))
            .as("the failing upstream's requests fail, the others are answered")
            .hasSize(10)
            .allMatch(status -> status == 500 || status == 503);
      }
      Limiter.Usage usage = limiter.usage(key);
      assertThat(usage.reservedUsd()).isZero();
      assertThat(usage.reservedTokens()).isZero();
      assertThat(stage.pendingCount()).isZero();
      // Answers and whole streams cost what they used ($0.10); streams cut by the provider are
      // charged their estimate ($0.10), as their use is unknown; streams the client closed early
      // what they streamed (the role's event only: no output token, $0); the upstream's 500s cost
      // nothing.
      assertThat(usage.spentUsd()).isEqualByComparingTo(new BigDecimal("3.00"));
    }
  }

  private static void readToTheEnd(dev.switchboard.engine.GatewayStream<?> stream) {
    try (stream) {
      while (stream.next() != null) {
        // every event taken
      }
    } catch (GatewayException cut) {
      // the provider cut the stream: the request is over all the same
    }
  }
}
