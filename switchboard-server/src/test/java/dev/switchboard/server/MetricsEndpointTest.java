package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} after known requests: the scrape is read by a strict parser of the
 * exposition format, and each figure is checked against the requests the test made and the answers
 * it got.
 */
class MetricsEndpointTest {
  static final String PROVIDER_KEY = "sk-canary-provider-0c4e8a2f6b1d3957";
  static final String GATEWAY_KEY = "pk-canary-gateway-9e1b7d3c5a2f4860";
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}";
  static final String STREAM =
      CHAT.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

  @TempDir Path logs;
  FakeOpenAi openAi;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    openAi = FakeOpenAi.start();
    gateway =
        GatewayUnderTest.start(
            openAi.baseUrl(),
            settings ->
                settings.withObservability(
                    ObservabilitySettings.defaults().withDataDirectory(logs)));
  }

  @AfterEach
  void stop() {
    gateway.close();
    openAi.close();
  }

  HttpResponse<String> chat(String body, String... headers) {
    String[] all = new String[headers.length + 6];
    all[0] = "x-portkey-provider";
    all[1] = "openai";
    all[2] = "authorization";
    all[3] = "Bearer " + PROVIDER_KEY;
    all[4] = "x-portkey-api-key";
    all[5] = GATEWAY_KEY;
    System.arraycopy(headers, 0, all, 6, headers.length);
    return gateway.postJson("/v1/chat/completions", body, all);
  }

  Map<String, PrometheusExposition.Family> scrape() {
    HttpResponse<String> response = gateway.get("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body()).doesNotContain(PROVIDER_KEY).doesNotContain(GATEWAY_KEY);
    return PrometheusExposition.parse(response.body());
  }

  static boolean chatFromOpenAi(Map<String, String> labels) {
    return "chat".equals(labels.get("gen_ai_operation_name"))
        && "openai".equals(labels.get("gen_ai_provider_name"))
        && "gpt-4o-mini".equals(labels.get("gen_ai_request_model"));
  }

  @Test
  void countsWhatTheRequestsDidInPrometheusTextFormat() throws Exception {
    int promptTokens = 0;
    int completionTokens = 0;
    for (int i = 0; i < 2; i++) {
      JsonNode answer = json(chat(CHAT));
      promptTokens += answer.path("usage").path("prompt_tokens").asInt();
      completionTokens += answer.path("usage").path("completion_tokens").asInt();
    }
    openAi.enqueue(Fault.status(503));
    HttpResponse<String> retried =
        chat(CHAT, "x-portkey-config", "{\"provider\":\"openai\",\"retry\":{\"attempts\":2}}");
    assertThat(retried.statusCode()).isEqualTo(200);
    promptTokens += json(retried).path("usage").path("prompt_tokens").asInt();
    completionTokens += json(retried).path("usage").path("completion_tokens").asInt();
    openAi.enqueue(Fault.status(500));
    assertThat(chat(CHAT).statusCode()).isEqualTo(500);
    HttpResponse<String> stream = chat(STREAM);
    assertThat(stream.statusCode()).isEqualTo(200);
    List<String> events = sseData(stream.body());
    JsonNode usage = WireJson.tree(events.get(events.size() - 2)).path("usage");
    assertThat(usage.isObject()).as("the stream's usage event").isTrue();
    promptTokens += usage.path("prompt_tokens").asInt();
    completionTokens += usage.path("completion_tokens").asInt();
    awaitWritten(5);

    Map<String, PrometheusExposition.Family> metrics = scrape();

    var requests = metrics.get("switchboard_requests_total");
    assertThat(requests.type()).isEqualTo("counter");
    assertThat(
            requests.sum(
                "switchboard_requests_total",
                l -> l.get("status").equals("200") && l.get("provider").equals("openai")))
        .isEqualTo(4);
    assertThat(requests.sum("switchboard_requests_total", l -> l.get("status").equals("500")))
        .isEqualTo(1);
    assertThat(requests.sum("switchboard_requests_total", l -> !l.get("operation").equals("chat")))
        .isZero();

    var duration = metrics.get("gen_ai_client_operation_duration_seconds");
    assertThat(duration.type()).isEqualTo("histogram");
    assertThat(duration.sum("gen_ai_client_operation_duration_seconds_count", l -> true))
        .isEqualTo(5);
    assertThat(
            duration.sum(
                "gen_ai_client_operation_duration_seconds_count",
                l -> chatFromOpenAi(l) && l.get("error_type").equals("provider_error")))
        .isEqualTo(1);
    assertThat(bucketBounds(duration))
        .containsExactly(
            "0.01", "0.02", "0.04", "0.08", "0.16", "0.32", "0.64", "1.28", "2.56", "5.12", "10.24",
            "20.48", "40.96", "81.92", "+Inf");

    var tokens = metrics.get("gen_ai_client_token_usage");
    assertThat(tokens.type()).isEqualTo("histogram");
    assertThat(
            tokens.sum(
                "gen_ai_client_token_usage_sum",
                l -> chatFromOpenAi(l) && l.get("gen_ai_token_type").equals("input")))
        .isEqualTo(promptTokens);
    assertThat(
            tokens.sum(
                "gen_ai_client_token_usage_sum",
                l -> chatFromOpenAi(l) && l.get("gen_ai_token_type").equals("output")))
        .isEqualTo(completionTokens);
    assertThat(tokens.sum("gen_ai_client_token_usage_count", l -> true)).isEqualTo(8);
    assertThat(bucketBounds(tokens))
        .containsExactly(
            "1.0",
            "4.0",
            "16.0",
            "64.0",
            "256.0",
            "1024.0",
            "4096.0",
            "16384.0",
            "65536.0",
            "262144.0",
            "1048576.0",
            "4194304.0",
            "1.6777216E7",
            "6.7108864E7",
            "+Inf");

    var firstToken = metrics.get("gen_ai_server_time_to_first_token_seconds");
    assertThat(firstToken.sum("gen_ai_server_time_to_first_token_seconds_count", l -> true))
        .isEqualTo(1);

    var attempts = metrics.get("switchboard_attempts_total");
    assertThat(attempts.sum("switchboard_attempts_total", l -> l.get("outcome").equals("success")))
        .isEqualTo(4);
    assertThat(
            attempts.sum(
                "switchboard_attempts_total", l -> l.get("outcome").equals("provider_error")))
        .isEqualTo(2);
    assertThat(
            metrics
                .get("switchboard_retries_total")
                .sum("switchboard_retries_total", l -> l.get("provider").equals("openai")))
        .isEqualTo(1);
    assertThat(metrics).doesNotContainKey("switchboard_fallbacks_total");

    var log = metrics.get("switchboard_request_log_records_total");
    assertThat(
            log.sum(
                "switchboard_request_log_records_total", l -> l.get("state").equals("accepted")))
        .isEqualTo(5);
    assertThat(
            log.sum("switchboard_request_log_records_total", l -> l.get("state").equals("written")))
        .isEqualTo(5);
    assertThat(
            log.sum("switchboard_request_log_records_total", l -> l.get("state").equals("dropped")))
        .isZero();
    assertThat(
            metrics
                .get("switchboard_request_log_queued")
                .sum("switchboard_request_log_queued", l -> true))
        .isZero();

    var circuits = metrics.get("switchboard_circuit_state");
    assertThat(circuits.type()).isEqualTo("gauge");
    assertThat(
            circuits.sum(
                "switchboard_circuit_state",
                l ->
                    l.get("upstream").equals("openai (default)")
                        && l.get("state").equals("closed")))
        .isEqualTo(1);
    assertThat(
            circuits.sum(
                "switchboard_circuit_state",
                l ->
                    l.get("upstream").equals("openai (default)")
                        && !l.get("state").equals("closed")))
        .isZero();
  }

  @Test
  void countsAnswersFromTheCacheAsHitsWithoutTokens() {
    String cached = "{\"provider\":\"openai\",\"cache\":{\"mode\":\"simple\"}}";
    assertThat(chat(CHAT, "x-portkey-config", cached).statusCode()).isEqualTo(200);
    HttpResponse<String> hit = chat(CHAT, "x-portkey-config", cached);
    assertThat(hit.headers().firstValue("x-portkey-cache-status")).hasValue("HIT");

    Map<String, PrometheusExposition.Family> metrics = scrape();

    assertThat(
            metrics
                .get("switchboard_cache_hits_total")
                .sum("switchboard_cache_hits_total", l -> l.get("cache_status").equals("HIT")))
        .isEqualTo(1);
    assertThat(
            metrics
                .get("switchboard_requests_total")
                .sum("switchboard_requests_total", l -> l.get("cache_status").equals("HIT")))
        .isEqualTo(1);
    assertThat(
            metrics
                .get("gen_ai_client_token_usage")
                .sum(
                    "gen_ai_client_token_usage_count",
                    l -> l.get("gen_ai_token_type").equals("input")))
        .as("billable tokens only: the hit used none")
        .isEqualTo(1);
    assertThat(openAi.requestCount()).isEqualTo(1);
  }

  @Test
  void speaksOpenMetricsWhenTheScraperAsks() {
    chat(CHAT);

    HttpResponse<String> response =
        gateway.get("/metrics", "accept", "application/openmetrics-text; version=1.0.0");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElseThrow())
        .startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(response.body())
        .contains("# TYPE gen_ai_client_operation_duration_seconds histogram")
        .contains("# UNIT gen_ai_client_operation_duration_seconds seconds")
        .contains("switchboard_requests_total{")
        .endsWith("# EOF\n");
  }

  @Test
  void answersHeadWithTheHeadersOfAScrapeAndNoBody() throws Exception {
    chat(CHAT);

    var response =
        gateway.http.send(
            java.net.http.HttpRequest.newBuilder(gateway.uri("/metrics"))
                .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body()).isEmpty();
  }

  @Test
  void refusesOtherMethodsInOpenAisErrorShape() {
    HttpResponse<String> response = gateway.postJson("/metrics", "{}");

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).hasValue("GET, HEAD");
    JsonNode error = json(response).path("error");
    assertThat(error.path("message").asText()).isEqualTo("Method not allowed: POST /metrics");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.has("param")).isTrue();
    assertThat(error.has("code")).isTrue();
  }

  @Test
  void isNotServedWhenMetricsAreOff() {
    gateway.close();
    gateway =
        GatewayUnderTest.start(
            openAi.baseUrl(),
            settings ->
                settings.withObservability(
                    ObservabilitySettings.defaults()
                        .withLogsEnabled(false)
                        .withMetricsEnabled(false)));

    HttpResponse<String> response = gateway.get("/metrics");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
  }

  /** The {@code le} bounds of the first series of a histogram, in order. */
  static List<String> bucketBounds(PrometheusExposition.Family histogram) {
    Map<String, String> first = null;
    java.util.ArrayList<String> bounds = new java.util.ArrayList<>();
    for (PrometheusExposition.Sample sample : histogram.samples()) {
      if (!sample.name().endsWith("_bucket")) {
        continue;
      }
      Map<String, String> rest = new java.util.TreeMap<>(sample.labels());
      rest.remove("le");
      if (first == null) {
        first = rest;
      }
      if (rest.equals(first)) {
        bounds.add(sample.labels().get("le"));
      }
    }
    return bounds;
  }

  /** Waits (briefly) until the request log has written {@code count} records. */
  void awaitWritten(int count) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
    while (gateway.server.observability().requestLog().statistics().written() < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "the request log wrote "
                + gateway.server.observability().requestLog().statistics()
                + ", not "
                + count);
      }
      Thread.sleep(20);
    }
  }
}
