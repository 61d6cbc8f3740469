package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.analytics.RecordJson;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the request log keeps of each kind of request, read back as a user would, through {@code GET
 * /v1/logs?trace_id=…}: every field of the record for a success, a retry, a fallback, a cache hit,
 * a guardrail's denial, a stream the provider cut, and clients that leave.
 */
class RequestLogRecordsTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  static final String STREAM = CHAT.replace("}]}", "}],\"stream\":true}");

  /** Every field of a record in a search's answer: the record's, and its trace's feedback. */
  static final Set<String> FIELDS = new TreeSet<>(RecordJson.FIELDS);

  static {
    FIELDS.add("feedback");
  }

  @TempDir Path data;
  FakeOpenAi openai;
  ManualTime time;
  GatewayUnderTest gateway;
  Instant sentAt;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    time = new ManualTime();
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults().withDataDirectory(data),
            settings -> settings,
            engine -> engine.clock(time).sleeper(time));
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  String target(FakeOpenAi fake, String extra) {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
        + fake.baseUrl()
        + "\""
        + extra
        + "}";
  }

  HttpResponse<String> chat(String trace, String config, String body, String... headers) {
    List<String> all =
        new ArrayList<>(List.of("x-portkey-trace-id", trace, "x-portkey-config", config));
    all.addAll(List.of(headers));
    sentAt = time.instant();
    return gateway.postJson("/v1/chat/completions", body, all.toArray(String[]::new));
  }

  static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElseThrow(() -> new AssertionError(name));
  }

  /** The fields every record has, checked against what the client was told. */
  void assertEnvelope(JsonNode record, HttpResponse<?> response, String trace, int status) {
    Set<String> fields = new TreeSet<>();
    record.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).isEqualTo(FIELDS);
    assertThat(record.path("id").asText()).isEqualTo(header(response, "x-switchboard-request-id"));
    assertThat(record.path("trace_id").asText()).isEqualTo(trace);
    assertThat(record.path("traceparent").isNull()).isTrue();
    assertThat(record.path("started_at_ms").asLong()).isEqualTo(sentAt.toEpochMilli());
    assertThat(Instant.parse(record.path("started_at").asText())).isEqualTo(sentAt);
    assertThat(record.path("method").asText()).isEqualTo("POST");
    assertThat(record.path("path").asText()).isEqualTo("/v1/chat/completions");
    assertThat(record.path("workspace").isNull()).isTrue();
    assertThat(record.path("api_key_id").isNull()).isTrue();
    assertThat(record.path("config").asText()).matches("inline:[0-9a-f]{12}");
    assertThat(record.path("request_model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(record.path("status").asInt()).isEqualTo(status);
    assertThat(record.path("latency_ms").asDouble()).isPositive();
    assertThat(record.path("metadata").isObject()).isTrue();
    assertThat(record.path("request_body").isNull()).isTrue();
    assertThat(record.path("response_body").isNull()).isTrue();
    assertThat(record.path("feedback").isArray()).isTrue();
    assertThat(record.path("feedback")).isEmpty();
  }

  /** Token counts and cost as the answer's usage and cost header gave them. */
  static void assertUsage(JsonNode record, HttpResponse<String> response) {
    JsonNode usage = json(response).path("usage");
    assertThat(record.path("prompt_tokens").asInt()).isEqualTo(usage.path("prompt_tokens").asInt());
    assertThat(record.path("completion_tokens").asInt())
        .isEqualTo(usage.path("completion_tokens").asInt());
    assertThat(record.path("cost_usd").decimalValue())
        .isEqualByComparingTo(new BigDecimal(header(response, "x-switchboard-cost-usd")));
  }

  static List<JsonNode> attempts(JsonNode record) {
    List<JsonNode> attempts = new ArrayList<>();
    record.path("attempts").forEach(attempts::add);
    return attempts;
  }

  @Test
  void aSuccessIsRecordedWithItsUsageCostMetadataAndOneAttempt() {
    var response =
        chat(
            "t-success",
            target(openai, ""),
            CHAT,
            "x-portkey-metadata",
            "{\"team\":\"search\",\"_user\":\"ada\"}");
    assertThat(response.statusCode()).isEqualTo(200);

    JsonNode record = LogsApi.awaitRecord(gateway, "t-success");

    assertEnvelope(record, response, "t-success", 200);
    assertUsage(record, response);
    assertThat(record.path("provider").asText()).isEqualTo("openai");
    assertThat(record.path("model").asText()).isEqualTo(json(response).path("model").asText());
    assertThat(record.path("option_path").asText())
        .isEqualTo(header(response, "x-portkey-last-used-option-index"));
    assertThat(record.path("retries").asInt()).isZero();
    assertThat(record.path("fallback_used").asBoolean()).isFalse();
    assertThat(record.path("cache_status").asText())
        .isEqualTo(header(response, "x-portkey-cache-status"));
    assertThat(record.path("cache_age_seconds").isNull()).isTrue();
    assertThat(record.path("error_type").isNull()).isTrue();
    assertThat(record.path("saved_cost_usd").isNull()).isTrue();
    assertThat(record.path("ttft_ms").isNull()).isTrue();
    assertThat(record.path("streamed").asBoolean()).isFalse();
    assertThat(record.path("stream_end").isNull()).isTrue();
    assertThat(record.path("guardrails").isNull()).isTrue();
    assertThat(record.path("metadata").path("team").asText()).isEqualTo("search");
    assertThat(record.path("metadata").path("_user").asText()).isEqualTo("ada");
    List<JsonNode> attempts = attempts(record);
    assertThat(attempts).hasSize(1);
    JsonNode attempt = attempts.get(0);
    assertThat(attempt.path("index").asInt()).isZero();
    assertThat(attempt.path("provider").asText()).isEqualTo("openai");
    assertThat(attempt.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(attempt.path("option_path").asText()).isEqualTo(record.path("option_path").asText());
    assertThat(attempt.path("retry").asInt()).isZero();
    assertThat(attempt.path("started_at_ms").asLong()).isEqualTo(sentAt.toEpochMilli());
    assertThat(attempt.path("duration_ms").asDouble()).isPositive();
    assertThat(attempt.path("status").asInt()).isEqualTo(200);
    assertThat(attempt.path("error_type").isNull()).isTrue();
    assertThat(attempt.path("wait_after_ms").asDouble()).isZero();
  }

  @Test
  void loggedBodiesNeverShowACredentialFromAConfigWhereverItCameFrom() {
    // Each target's credentials, from a config as much as from a header: a user who pasted them
    // into a prompt whose body is logged still finds them redacted in the request log.
    String configKey = "sk-config-key-" + java.util.UUID.randomUUID();
    String fallbackKey = "sk-fallback-key-" + java.util.UUID.randomUUID();
    String forwarded = "forwarded-secret-" + java.util.UUID.randomUUID();
    openai.enqueue(Fault.status(500));
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"log_bodies\":true,\"targets\":["
            + target(openai, "").replace("sk-test", configKey)
            + ","
            + target(openai, ",\"forward_headers\":[\"x-upstream-auth\"]")
                .replace("sk-test", fallbackKey)
            + "]}";
    String pasted =
        CHAT.replace("hello there", "keys " + configKey + " " + fallbackKey + " " + forwarded);

    var response = chat("t-redacted", config, pasted, "x-upstream-auth", "Bearer " + forwarded);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode record = LogsApi.awaitRecord(gateway, "t-redacted");
    String logged = record.toString();
    assertThat(record.path("request_body").asText()).contains("keys [REDACTED]");
    assertThat(logged).doesNotContain(configKey).doesNotContain(fallbackKey);
    assertThat(logged).doesNotContain(forwarded);
  }

  @Test
  void aRetryIsRecordedAsTwoAttemptsOfOneTargetWithTheWaitBetween() {
    openai.enqueue(Fault.status(503));
    var response =
        chat(
            "t-retry",
            target(openai, ",\"retry\":{\"attempts\":2,\"on_status_codes\":[503]}"),
            CHAT);
    assertThat(response.statusCode()).isEqualTo(200);

    JsonNode record = LogsApi.awaitRecord(gateway, "t-retry");

    assertEnvelope(record, response, "t-retry", 200);
    assertUsage(record, response);
    assertThat(record.path("retries").asInt())
        .isEqualTo(1)
        .isEqualTo(Integer.parseInt(header(response, "x-portkey-retry-attempt-count")));
    assertThat(record.path("fallback_used").asBoolean()).isFalse();
    assertThat(record.path("error_type").isNull()).isTrue();
    List<JsonNode> attempts = attempts(record);
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).path("status").asInt()).isEqualTo(503);
    assertThat(attempts.get(0).path("error_type").asText()).isEqualTo("provider_error");
    assertThat(attempts.get(0).path("retry").asInt()).isZero();
    assertThat(attempts.get(0).path("wait_after_ms").asDouble())
        .isEqualTo(time.sleeps.get(0).toNanos() / 1e6)
        .isPositive();
    assertThat(attempts.get(1).path("index").asInt()).isEqualTo(1);
    assertThat(attempts.get(1).path("status").asInt()).isEqualTo(200);
    assertThat(attempts.get(1).path("retry").asInt()).isEqualTo(1);
    assertThat(attempts.get(1).path("option_path").asText())
        .isEqualTo(attempts.get(0).path("option_path").asText());
  }

  @Test
  void aFallbackIsRecordedWithBothTargetsAndTheOneThatAnswered() {
    try (FakeOpenAi second = FakeOpenAi.start()) {
      openai.enqueue(Fault.status(500));
      String config =
          "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
              + target(openai, "")
              + ","
              + target(second, "")
              + "]}";
      var response = chat("t-fallback", config, CHAT);
      assertThat(response.statusCode()).isEqualTo(200);

      JsonNode record = LogsApi.awaitRecord(gateway, "t-fallback");

      assertEnvelope(record, response, "t-fallback", 200);
      assertUsage(record, response);
      assertThat(record.path("fallback_used").asBoolean()).isTrue();
      assertThat(record.path("retries").asInt()).isZero();
      assertThat(record.path("option_path").asText())
          .isEqualTo("config.targets[1]")
          .isEqualTo(header(response, "x-portkey-last-used-option-index"));
      List<JsonNode> attempts = attempts(record);
      assertThat(attempts).hasSize(2);
      assertThat(attempts.get(0).path("option_path").asText()).isEqualTo("config.targets[0]");
      assertThat(attempts.get(0).path("status").asInt()).isEqualTo(500);
      assertThat(attempts.get(0).path("error_type").asText()).isEqualTo("provider_error");
      assertThat(attempts.get(0).path("wait_after_ms").asDouble()).isZero();
      assertThat(attempts.get(1).path("option_path").asText()).isEqualTo("config.targets[1]");
      assertThat(attempts.get(1).path("status").asInt()).isEqualTo(200);
    }
  }

  @Test
  void aCacheHitIsRecordedWithTheAgeOfTheAnswerAndTheCostItSaved() {
    String config = target(openai, ",\"cache\":{\"mode\":\"simple\"}");
    var miss = chat("t-miss", config, CHAT);
    assertThat(miss.statusCode()).isEqualTo(200);
    JsonNode missRecord = LogsApi.awaitRecord(gateway, "t-miss");
    time.advance(Duration.ofSeconds(42));

    var hit = chat("t-hit", config, CHAT);
    assertThat(header(hit, "x-portkey-cache-status")).isEqualTo("HIT");

    JsonNode record = LogsApi.awaitRecord(gateway, "t-hit");

    assertEnvelope(record, hit, "t-hit", 200);
    assertThat(missRecord.path("cache_status").asText()).isEqualTo("MISS");
    assertThat(record.path("cache_status").asText()).isEqualTo("HIT");
    assertThat(record.path("cache_age_seconds").asLong()).isEqualTo(42);
    assertThat(record.path("cost_usd").decimalValue()).isEqualByComparingTo("0");
    assertThat(record.path("saved_cost_usd").decimalValue())
        .isPositive()
        .isEqualByComparingTo(missRecord.path("cost_usd").decimalValue());
    assertThat(record.path("prompt_tokens").asInt())
        .isEqualTo(missRecord.path("prompt_tokens").asInt());
    assertThat(record.path("error_type").isNull()).isTrue();
    assertThat(openai.requestCount()).isEqualTo(1);
    List<JsonNode> attempts = attempts(record);
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0).path("cache_status").asText()).isEqualTo("HIT");
    assertThat(attempts.get(0).path("status").asInt()).isEqualTo(200);
  }

  @Test
  void aGuardrailDenialIsRecordedAs446WithNoProviderCall() {
    String deny =
        ",\"input_guardrails\":[{\"default.contains\":{\"operator\":\"none\",\"words\":[\"hello\"]},"
            + "\"deny\":true}]";
    var response = chat("t-denied", target(openai, deny), CHAT);
    assertThat(response.statusCode()).isEqualTo(446);

    JsonNode record = LogsApi.awaitRecord(gateway, "t-denied");

    assertEnvelope(record, response, "t-denied", 446);
    assertThat(record.path("error_type").asText()).isEqualTo("guardrail_denied");
    assertThat(record.path("guardrails").asText()).isEqualTo("denied");
    assertThat(record.path("provider").asText()).isEqualTo("openai");
    assertThat(record.path("prompt_tokens").isNull()).isTrue();
    assertThat(record.path("completion_tokens").isNull()).isTrue();
    assertThat(record.path("cost_usd").isNull()).isTrue();
    assertThat(openai.requestCount()).isZero();
    List<JsonNode> attempts = attempts(record);
    assertThat(attempts).hasSize(1);
    assertThat(attempts.get(0).path("status").asInt()).isEqualTo(446);
    assertThat(attempts.get(0).path("error_type").asText()).isEqualTo("guardrail_denied");
  }

  @Test
  void aStreamTheProviderCutIsRecordedAsCutWithItsTimeToFirstToken() {
    openai.enqueue(Fault.cutStreamAfter(2));
    var response = chat("t-cut", target(openai, ""), STREAM);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).doesNotContain("[DONE]");

    JsonNode record = LogsApi.awaitRecord(gateway, "t-cut");

    assertEnvelope(record, response, "t-cut", 200);
    assertThat(record.path("streamed").asBoolean()).isTrue();
    assertThat(record.path("stream_end").asText()).isEqualTo("upstream_cut");
    assertThat(record.path("error_type").asText()).isEqualTo("stream_cut");
    assertThat(record.path("ttft_ms").asDouble())
        .isPositive()
        .isLessThanOrEqualTo(record.path("latency_ms").asDouble());
    assertThat(attempts(record)).hasSize(1);
  }

  @Test
  void aCompletedStreamIsRecordedAsCompleted() {
    var response = chat("t-stream", target(openai, ""), STREAM);
    assertThat(response.body()).contains("[DONE]");

    JsonNode record = LogsApi.awaitRecord(gateway, "t-stream");

    assertEnvelope(record, response, "t-stream", 200);
    assertThat(record.path("streamed").asBoolean()).isTrue();
    assertThat(record.path("stream_end").asText()).isEqualTo("completed");
    assertThat(record.path("error_type").isNull()).isTrue();
    assertThat(record.path("ttft_ms").asDouble()).isPositive();
  }

  @Test
  void aClientThatLeavesMidStreamIsRecordedAsClosedByTheClient() throws Exception {
    openai.enqueue(Fault.chunkDelay(Duration.ofMillis(200)));
    var response =
        gateway.open(
            gateway.post(
                "/v1/chat/completions",
                STREAM,
                "x-portkey-trace-id",
                "t-left-stream",
                "x-portkey-config",
                target(openai, "")));
    assertThat(response.statusCode()).isEqualTo(200);
    InputStream body = response.body();
    assertThat(body.read()).isNotEqualTo(-1);
    body.close();

    JsonNode record = LogsApi.awaitRecord(gateway, "t-left-stream");

    assertThat(record.path("id").asText()).isEqualTo(header(response, "x-switchboard-request-id"));
    assertThat(record.path("status").asInt()).isEqualTo(200);
    assertThat(record.path("streamed").asBoolean()).isTrue();
    assertThat(record.path("stream_end").asText()).isEqualTo("client_closed");
    assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
    assertThat(record.path("ttft_ms").asDouble()).isPositive();
  }

  @Test
  void aClientThatLeavesBeforeTheAnswerIsRecordedAs499() throws Exception {
    openai.enqueue(Fault.slowFirstByte(Duration.ofSeconds(3)));
    byte[] body = CHAT.getBytes(StandardCharsets.UTF_8);
    String config = target(openai, "");
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      String head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "content-type: application/json\r\nx-portkey-trace-id: t-left\r\n"
              + "x-portkey-config: "
              + config
              + "\r\ncontent-length: "
              + body.length
              + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(body);
      out.flush();
      openai.takeRequest(Duration.ofSeconds(5));
    }

    JsonNode record = LogsApi.awaitRecord(gateway, "t-left");

    assertThat(record.path("status").asInt()).isEqualTo(499);
    assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
    assertThat(record.path("streamed").asBoolean()).isFalse();
    assertThat(record.path("prompt_tokens").isNull()).isTrue();
    Iterator<JsonNode> attempts = record.path("attempts").elements();
    assertThat(attempts.hasNext()).isTrue();
    assertThat(attempts.next().path("provider").asText()).isEqualTo("openai");
  }
}
