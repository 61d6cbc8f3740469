package dev.switchboard.server.mcp;

import static dev.switchboard.server.OtlpReceiver.attributes;
import static dev.switchboard.server.OtlpReceiver.hex;
import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static dev.switchboard.server.mcp.McpHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.OtlpReceiver;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The governance of tool calls, end to end through HTTP with the MCP Java SDK's client: guardrails
 * on arguments and results (deny, flag, rewrite), rate limits per key and per tool, the metrics,
 * spans and analytics of tool calls, and the vault's credential found in none of them. Upstreams:
 * two real Streamable HTTP MCP servers ({@link HttpUpstream}) whose bearer token is a virtual key.
 */
class McpGovernanceTest {
  /** The upstreams' bearer token, from the vault: it must show up nowhere. */
  private static final String CANARY = "canary-" + UUID.randomUUID();

  @TempDir static Path data;
  private static HttpUpstream web;
  private static HttpUpstream quota;
  private static OtlpReceiver collector;
  private static ListAppender<ILoggingEvent> logs;
  private static McpHarness harness;
  private static String everything;

  @BeforeAll
  static void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    collector = OtlpReceiver.start();
    web = new HttpUpstream(CANARY);
    quota = new HttpUpstream(CANARY);
    ObjectNode mcp =
        (ObjectNode)
            JSON.readTree(
                """
                {"servers": {
                  "web": {
                    "url": "%s",
                    "virtual-key": "web-token",
                    "guardrails": {
                      "input_guardrails": [
                        {"id": "no-sql", "deny": true,
                         "default.regexMatch": {"rule": "DROP TABLE", "not": true}},
                        {"id": "flag-urgent",
                         "default.regexMatch": {"rule": "urgent", "not": true}}
                      ],
                      "input_mutators": [{"id": "redact-pii", "switchboard.pii": {}}],
                      "output_guardrails": [
                        {"id": "no-classified", "deny": true,
                         "default.regexMatch": {"rule": "classified", "not": true}}
                      ]
                    },
                    "tools": {"whoami": {"guardrails": {"input_guardrails": []}}}
                  },
                  "quota": {
                    "url": "%s",
                    "virtual-key": "web-token",
                    "rate-limit": {"total": 3},
                    "tools": {"echo": {"rate-limit": {"per-key": 2}}}
                  }
                }}
                """
                    .formatted(web.url(), quota.url()));
    harness = McpHarness.tracedTo(collector, data, mcp, CANARY);
    everything = harness.key(null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (HttpUpstream upstream : new HttpUpstream[] {web, quota}) {
      if (upstream != null) {
        upstream.close();
      }
    }
    if (collector != null) {
      collector.close();
    }
  }

  private static McpSchema.CallToolResult call(String key, String tool, Map<String, Object> args) {
    try (McpSyncClient client = harness.client("/mcp", key)) {
      return client.callTool(new McpSchema.CallToolRequest(tool, args));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> refusal(McpSchema.CallToolResult result) {
    assertThat(result.isError()).isTrue();
    assertThat(result.meta()).containsKey("dev.switchboard/refusal");
    return (Map<String, Object>) result.meta().get("dev.switchboard/refusal");
  }

  private static JsonNode rowWithOutcome(String server, String tool, String outcome) {
    awaitTrue(
        () ->
            harness.logRows(server, tool).stream()
                .anyMatch(row -> outcome.equals(row.path("metadata").path("mcp.outcome").asText())),
        "a row of " + server + "__" + tool + " with outcome " + outcome);
    return harness.logRows(server, tool).stream()
        .filter(row -> outcome.equals(row.path("metadata").path("mcp.outcome").asText()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void anInputGuardrailThatDeniesRefusesTheCallWithAToolErrorAndLogsTheVerdict() {
    McpSchema.CallToolResult result =
        call(everything, "web__echo", Map.of("text", "please DROP TABLE users"));
    assertThat(refusal(result)).containsEntry("type", "guardrail_denied");
    assertThat(refusal(result).get("hooks")).isEqualTo(List.of("no-sql"));
    assertThat(text(result)).contains("refused", "web__echo", "its arguments", "no-sql");
    JsonNode row = rowWithOutcome("web", "echo", "guardrail_denied");
    assertThat(row.path("status").asInt()).isEqualTo(446);
    assertThat(row.path("guardrails").asText()).isEqualTo("denied");
  }

  @Test
  void anInputGuardrailThatFlagsLetsTheCallThroughAndLogsItAsFailed() {
    McpSchema.CallToolResult result = call(everything, "web__echo", Map.of("text", "urgent note"));
    assertThat(result.isError()).isFalse();
    assertThat(text(result)).isEqualTo("echo: urgent note");
    awaitTrue(
        () ->
            harness.logRows("web", "echo").stream()
                .anyMatch(row -> row.path("status").asInt() == 246),
        "the flagged call's row");
    JsonNode row =
        harness.logRows("web", "echo").stream()
            .filter(r -> r.path("status").asInt() == 246)
            .findFirst()
            .orElseThrow();
    assertThat(row.path("guardrails").asText()).isEqualTo("failed");
    assertThat(row.path("metadata").path("mcp.outcome").asText()).isEqualTo("ok");
  }

  @Test
  void anInputMutatorRewritesTheArgumentsTheUpstreamReceives() {
    McpSchema.CallToolResult result =
        call(everything, "web__echo", Map.of("text", "mail alice@example.com today"));
    assertThat(result.isError()).isFalse();
    assertThat(text(result)).isEqualTo("echo: mail [EMAIL] today");
  }

  @Test
  void anOutputGuardrailThatDeniesWithholdsTheResult() {
    McpSchema.CallToolResult result =
        call(everything, "web__echo", Map.of("text", "the classified plans"));
    assertThat(refusal(result)).containsEntry("type", "guardrail_denied");
    assertThat(text(result)).contains("its result", "no-classified").doesNotContain("plans");
    JsonNode row = rowWithOutcome("web", "echo", "guardrail_denied");
    assertThat(row.path("guardrails").asText()).isEqualTo("denied");
  }

  @Test
  void aToolsOwnGuardrailsReplaceItsServers() {
    // whoami sets input_guardrails to none: the server's SQL guard does not hold it; the output
    // guard, which it does not set, still does (and passes).
    McpSchema.CallToolResult result =
        call(everything, "web__whoami", Map.of("note", "DROP TABLE x"));
    assertThat(result.isError()).isFalse();
    assertThat(text(result)).isEqualTo("authorized");
  }

  @Test
  void callsPastAKeysLimitOnAToolAndPastAServersTotalAreRefused() {
    String first = harness.key(null);
    String second = harness.key(null);
    try (McpSyncClient client = harness.client("/mcp", first)) {
      McpSchema.CallToolRequest echo =
          new McpSchema.CallToolRequest("quota__echo", Map.of("text", "x"));
      assertThat(client.callTool(echo).isError()).isFalse();
      assertThat(client.callTool(echo).isError()).isFalse();
      McpSchema.CallToolResult third = client.callTool(echo);
      Map<String, Object> refusal = refusal(third);
      assertThat(refusal).containsEntry("type", "rate_limited");
      assertThat(((Number) refusal.get("retry_after_seconds")).longValue()).isBetween(1L, 60L);
      assertThat(text(third)).contains("quota__echo for key", "2 a minute", "Try again in");
    }
    try (McpSyncClient client = harness.client("/mcp", second)) {
      // Its own per-key allowance is whole, but the server's total (3 a minute) has one call left.
      assertThat(
              client
                  .callTool(new McpSchema.CallToolRequest("quota__echo", Map.of("text", "y")))
                  .isError())
          .isFalse();
      McpSchema.CallToolResult past =
          client.callTool(new McpSchema.CallToolRequest("quota__whoami", Map.of()));
      assertThat(refusal(past)).containsEntry("type", "rate_limited");
      assertThat(text(past)).contains("mcp 'quota'", "3 a minute");
    }
    JsonNode row = rowWithOutcome("quota", "echo", "rate_limited");
    assertThat(row.path("status").asInt()).isEqualTo(429);
  }

  @Test
  void toolCallsAreCountedAndTimedInPrometheusByServerToolAndStatus() {
    call(everything, "web__echo", Map.of("text", "counted"));
    call(everything, "web__echo", Map.of("text", "DROP TABLE counted"));
    String metrics = harness.adminGet("/metrics");
    assertThat(metrics)
        .containsPattern(
            "switchboard_mcp_tool_calls_total\\{server=\"web\",status=\"ok\",tool=\"echo\"} \\d")
        .containsPattern(
            "switchboard_mcp_tool_calls_total\\{server=\"web\",status=\"guardrail_denied\","
                + "tool=\"echo\"} \\d")
        .containsPattern(
            "mcp_server_operation_duration_seconds_bucket\\{error_type=\"\","
                + "gen_ai_operation_name=\"execute_tool\",gen_ai_prompt_name=\"\","
                + "gen_ai_tool_name=\"web__echo\","
                + "mcp_method_name=\"tools/call\",server=\"web\",le=\"0.01\"}")
        .containsPattern(
            "mcp_server_operation_duration_seconds_count\\{error_type=\"guardrail_denied\",[^}]*"
                + "gen_ai_tool_name=\"web__echo\"");
  }

  @Test
  void analyticsGroupToolCallsByServerAndByTool() throws Exception {
    call(everything, "web__echo", Map.of("text", "grouped"));
    call(everything, "web__whoami", Map.of());
    awaitTrue(
        () ->
            totals("mcp_tool").containsKey("web__whoami")
                && totals("mcp_tool").containsKey("web__echo"),
        "analytics by tool");
    assertThat(totals("mcp_tool").get("web__echo")).isGreaterThanOrEqualTo(1);
    assertThat(totals("mcp_server").get("web"))
        .isGreaterThanOrEqualTo(
            totals("mcp_tool").get("web__echo") + totals("mcp_tool").get("web__whoami"));
  }

  private static Map<String, Long> totals(String groupBy) {
    try {
      JsonNode answer = JSON.readTree(harness.adminGet("/v1/analytics?group_by=" + groupBy));
      Map<String, Long> totals = new LinkedHashMap<>();
      answer
          .path("totals")
          .forEach(
              row -> totals.put(row.path("group").asText(null), row.path("requests").asLong()));
      return totals;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void eachToolCallIsAServerSpanNamedAsTheMcpConventionsSay() {
    call(everything, "web__whoami", Map.of());
    awaitTrue(() -> spanNamed("tools/call web__whoami") != null, "the tool call's span");
    Span span = spanNamed("tools/call web__whoami");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(attributes(span))
        .containsEntry("mcp.method.name", "tools/call")
        .containsEntry("gen_ai.tool.name", "web__whoami")
        .containsEntry("gen_ai.operation.name", "execute_tool")
        .containsEntry("network.transport", "tcp")
        .containsEntry("switchboard.mcp.server", "web")
        .containsKey("mcp.session.id")
        .doesNotContainKey("error.type");
  }

  @Test
  void aCallsSpanContinuesTheTraceItsClientSentInMeta() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentSpanId = "00f067aa0ba902b7";
    try (McpSyncClient client = harness.client("/mcp", everything)) {
      client.callTool(
          new McpSchema.CallToolRequest(
              "web__echo",
              Map.of("text", "traced"),
              Map.of("traceparent", "00-" + traceId + "-" + parentSpanId + "-01")));
    }
    awaitTrue(
        () -> collector.spans().stream().anyMatch(span -> hex(span.getTraceId()).equals(traceId)),
        "the span in the client's trace");
    Span span =
        collector.spans().stream()
            .filter(candidate -> hex(candidate.getTraceId()).equals(traceId))
            .findFirst()
            .orElseThrow();
    assertThat(span.getName()).isEqualTo("tools/call web__echo");
    assertThat(hex(span.getParentSpanId())).isEqualTo(parentSpanId);
  }

  @Test
  void theVaultsCredentialAppearsInNoLogMetricSpanRowNorAnswer() throws Exception {
    List<String> seen = new ArrayList<>();
    try (McpSyncClient client = harness.client("/mcp", everything)) {
      for (McpSchema.CallToolRequest request :
          List.of(
              new McpSchema.CallToolRequest("web__whoami", Map.of()),
              new McpSchema.CallToolRequest("web__echo", Map.of("text", "DROP TABLE canary")),
              new McpSchema.CallToolRequest("web__echo", Map.of("text", "classified canary")))) {
        seen.add(JSON.writeValueAsString(client.callTool(request)));
      }
      seen.add(JSON.writeValueAsString(client.listTools()));
    }
    assertThat(seen.get(0)).contains("authorized"); // the credential did reach the upstream
    awaitTrue(() -> !harness.logRows("web", "whoami").isEmpty(), "the rows");
    awaitTrue(() -> spanNamed("tools/call web__echo") != null, "the spans");
    seen.addAll(harness.everythingRecorded(logs, collector));
    assertThat(seen).hasSizeGreaterThan(10).noneMatch(text -> text.contains(CANARY));
  }

  private static Span spanNamed(String name) {
    return collector.spans().stream()
        .filter(span -> span.getName().equals(name))
        .findFirst()
        .orElse(null);
  }
}
