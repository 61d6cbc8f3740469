package dev.switchboard.observe.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.routing.CircuitBreakers;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the metrics keep of records no HTTP test can easily produce: many models, odd upstreams. */
class GatewayMetricsTest {
  final GatewayMetrics metrics = new GatewayMetrics();

  static RequestRecord chat(String model) {
    Instant now = Instant.now();
    return new RequestRecord(
        "id-" + model,
        "trace-" + model,
        null,
        now,
        "POST",
        "/v1/chat/completions",
        null,
        null,
        null,
        model,
        "openai",
        model,
        "config",
        0,
        false,
        "DISABLED",
        null,
        200,
        null,
        10,
        5,
        null,
        new BigDecimal("0.0001"),
        null,
        12.5,
        null,
        false,
        null,
        Map.of("user", "someone-" + model),
        null,
        List.of(
            new AttemptRecord(0, "openai", model, "config", 0, now, 10, 200, null, "DISABLED", 0)),
        null,
        null,
        null,
        List.of(),
        null,
        null);
  }

  String scrape() {
    return new String(metrics.scrape(null).body(), StandardCharsets.UTF_8);
  }

  @Test
  void aClientNamingANewModelInEveryRequestAddsABoundedNumberOfSeries() {
    for (int i = 0; i < 1000; i++) {
      metrics.accept(chat("model-" + i));
    }

    String scrape = scrape();
    Matcher models = Pattern.compile("gen_ai_request_model=\"([^\"]*)\"").matcher(scrape);
    var distinct = models.results().map(m -> m.group(1)).collect(Collectors.toSet());
    assertThat(distinct).hasSize(LabelValues.MAX_VALUES + 1).contains(LabelValues.OTHER);
    assertThat(scrape)
        .contains(
            "switchboard_requests_total{cache_status=\"DISABLED\",operation=\"chat\","
                + "provider=\"openai\",status=\"200\"} 1000.0")
        .doesNotContain("someone-")
        .doesNotContain("trace-model");
  }

  @Test
  void requestsOfOneKindAddUpAndShowOnlyTheSeriesTheyUpdated() {
    metrics.accept(chat("gpt-4o-mini"));
    metrics.accept(chat("gpt-4o-mini"));
    metrics.accept(chat("gpt-4o"));

    assertThat(scrape())
        .contains(
            "switchboard_requests_total{cache_status=\"DISABLED\",operation=\"chat\","
                + "provider=\"openai\",status=\"200\"} 3.0")
        .contains("switchboard_attempts_total{outcome=\"success\",provider=\"openai\"} 3.0")
        .contains(
            "gen_ai_client_token_usage_count{gen_ai_operation_name=\"chat\","
                + "gen_ai_provider_name=\"openai\",gen_ai_request_model=\"gpt-4o-mini\","
                + "gen_ai_response_model=\"gpt-4o-mini\",gen_ai_token_type=\"input\"} 2")
        .contains("switchboard_cost_usd_total{model=\"gpt-4o\",provider=\"openai\"} 1.0E-4")
        // No retry, fallback, cache hit or stream among them: none of those series, not even at 0.
        .doesNotContain("switchboard_retries_total{")
        .doesNotContain("switchboard_fallbacks_total{")
        .doesNotContain("switchboard_cache_hits_total{")
        .doesNotContain("gen_ai_server_time_to_first_token_count{");
  }

  @Test
  void aLongModelNameIsCut() {
    metrics.accept(chat("m".repeat(500)));

    assertThat(scrape())
        .contains("gen_ai_request_model=\"" + "m".repeat(LabelValues.MAX_LENGTH) + "\"")
        .doesNotContain("m".repeat(LabelValues.MAX_LENGTH + 1));
  }

  @Test
  void anUpstreamIsNamedWithoutTheCredentialsItsUrlCarries() {
    metrics.watchCircuits(() ->
        List.of(
            new CircuitBreakers.Status(
                "openai https://alice:s3cret-pass@llm.internal:8443/v1?api-key=s3cret-key",
                CircuitBreakers.State.OPEN,
                5,
                Instant.now()),
            new CircuitBreakers.Status(
                "anthropic (default)", CircuitBreakers.State.CLOSED, 0, null)));

    String scrape = scrape();

    assertThat(scrape)
        .contains(
            "switchboard_circuit_state{state=\"open\",upstream=\"openai"
                + " https://llm.internal:8443/v1\"} 1.0")
        .contains(
            "switchboard_circuit_state{state=\"closed\",upstream=\"anthropic (default)\"} 1.0")
        .contains(
            "switchboard_circuit_consecutive_failures{upstream=\"openai"
                + " https://llm.internal:8443/v1\"} 5.0")
        .doesNotContain("s3cret")
        .doesNotContain("alice");
  }

  @Test
  void givesTheOpenTelemetryNamesAsTheyAreToAScraperThatAsksForUtf8Names() {
    metrics.accept(chat("gpt-4o-mini"));

    GatewayMetrics.Scrape scrape = metrics.scrape("text/plain;version=1.0.0;escaping=allow-utf-8");

    String body = new String(scrape.body(), StandardCharsets.UTF_8);
    assertThat(scrape.contentType()).contains("escaping=allow-utf-8");
    assertThat(body).contains("\"gen_ai.client.token.usage\"").contains("\"gen_ai.token.type\"");
    assertThat(scrape()).contains("gen_ai_client_token_usage_count{").doesNotContain("gen_ai.");
  }
}
