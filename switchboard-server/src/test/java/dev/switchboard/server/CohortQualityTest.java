package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quality by cohort in {@code GET /v1/analytics}: over a seeded log whose outcomes are known, the
 * eval-fail rate (a failed output check, or failing feedback), the schema-failure rate and their
 * Wilson intervals per arm are exactly what the records say, on both stores.
 */
class CohortQualityTest {
  static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  @TempDir Path data;
  GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  void start(String store) throws Exception {
    gateway = GatewayUnderTest.withRequestLogIn(store, data);
  }

  static RequestRecord record(String arm, String trace, int status, List<String> failedChecks) {
    Instant started = Instant.ofEpochMilli(T0 + 1000);
    return new RequestRecord(
        UUID.randomUUID().toString(),
        trace,
        null,
        started,
        "POST",
        "/v1/chat/completions",
        null,
        null,
        null,
        "m",
        "mock",
        "m",
        "config.targets[0]",
        0,
        false,
        "DISABLED",
        null,
        status,
        status == 446 ? "guardrail_denied" : null,
        10,
        10,
        0,
        BigDecimal.ONE,
        null,
        100,
        null,
        false,
        null,
        Map.of(),
        failedChecks.isEmpty() ? "passed" : status == 446 ? "denied" : "failed",
        List.of(
            new AttemptRecord(0, "mock", "m", "config", 0, started, 100, status, null, null, 0)),
        null,
        null,
        arm,
        failedChecks,
        null,
        null);
  }

  void feedback(String trace, int value) {
    var saved =
        gateway.postJson(
            "/v1/feedback", "{\"trace_id\":\"" + trace + "\",\"value\":" + value + "}");
    assertThat(saved.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgresql"})
  void theEvalFailAndSchemaFailureRatesPerArmAreExactlyTheSeededOutcomes(String store)
      throws Exception {
    start(store);
    List<RequestRecord> records = new ArrayList<>();
    records.add(record("a", "a0", 446, List.of("switchboard.jsonOutput")));
    records.add(record("a", "a1", 246, List.of("default.jsonSchema", "default.wordCount")));
    records.add(record("a", "a2", 246, List.of("default.contains")));
    for (int i = 3; i < 10; i++) {
      records.add(record("a", "a" + i, 200, List.of()));
    }
    for (int i = 0; i < 5; i++) {
      records.add(record("b", "b" + i, 200, List.of()));
    }
    gateway.server.observability().requestLog().store().write(records);
    feedback("a1", -3); // fails twice over: counted once
    feedback("a3", -5);
    feedback("a4", 8);
    feedback("b0", -1);
    feedback("b0", 10);

    var response =
        gateway.get("/v1/analytics?bucket=1h&group_by=arm&from=" + T0 + "&to=" + (T0 + 3_600_000));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, JsonNode> byArm = new HashMap<>();
    json(response).path("totals").forEach(row -> byArm.put(row.path("group").asText(), row));

    JsonNode a = byArm.get("a");
    assertThat(a.path("requests").asLong()).isEqualTo(10);
    assertThat(a.path("eval_fails").asLong()).isEqualTo(4);
    assertThat(a.path("eval_fail_rate").asDouble()).isEqualTo(0.4);
    assertThat(a.path("schema_failures").asLong()).isEqualTo(2);
    assertThat(a.path("schema_failure_rate").asDouble()).isEqualTo(0.2);
    assertThat(a.at("/eval_fail_rate_ci95/0").asDouble()).isCloseTo(0.16818, within(1e-5));
    assertThat(a.at("/eval_fail_rate_ci95/1").asDouble()).isCloseTo(0.68733, within(1e-5));
    assertThat(a.at("/schema_failure_rate_ci95/0").asDouble()).isCloseTo(0.05668, within(1e-5));
    assertThat(a.at("/schema_failure_rate_ci95/1").asDouble()).isCloseTo(0.50984, within(1e-5));
    assertThat(a.path("feedback_count").asLong()).isEqualTo(3);
    assertThat(a.path("feedback_avg").asDouble()).isCloseTo(0, within(1e-9));
    assertThat(a.path("feedback_avg_ci95").isArray()).isTrue();
    assertThat(a.path("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.TEN);
    assertThat(a.path("fallback_rate_ci95").isArray()).isTrue();

    JsonNode b = byArm.get("b");
    assertThat(b.path("eval_fails").asLong()).isEqualTo(1);
    assertThat(b.path("eval_fail_rate").asDouble()).isEqualTo(0.2);
    assertThat(b.at("/eval_fail_rate_ci95/0").asDouble()).isCloseTo(0.03622, within(1e-5));
    assertThat(b.at("/eval_fail_rate_ci95/1").asDouble()).isCloseTo(0.62447, within(1e-5));
    assertThat(b.path("schema_failures").asLong()).isZero();
    assertThat(b.at("/schema_failure_rate_ci95/0").asDouble()).isZero();
    assertThat(b.at("/schema_failure_rate_ci95/1").asDouble()).isCloseTo(0.43448, within(1e-5));
    assertThat(b.path("feedback_avg").asDouble()).isEqualTo(4.5);
  }

  @Test
  void aFailedOutputCheckOfARealRequestIsInItsLogRecord() throws Exception {
    start("duckdb");
    String config =
        """
        {"provider":"mock","output_guardrails":[{"switchboard.jsonOutput":{"schema":{"type":"object"}}}]}\
        """
            .strip();

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-config",
            config);

    assertThat(response.statusCode()).isEqualTo(246);
    gateway.awaitLogged(1);
    JsonNode logged = json(gateway.get("/v1/logs?limit=1")).path("data").get(0);
    assertThat(logged.path("output_checks_failed").toString())
        .isEqualTo("[\"switchboard.jsonOutput\"]");
  }
}
