package dev.switchboard.server.mcp;

import static dev.switchboard.server.OtlpReceiver.attributes;
import static dev.switchboard.server.OtlpReceiver.hex;
import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.OtlpReceiver;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MCP methods beside tools/call, end to end through HTTP with the MCP Java SDK's client: {@code
 * prompts/get} and {@code resources/read} governed (guardrails on arguments and results, rate
 * limits, refusals as JSON-RPC errors) and logged; every method, listings included, timed in
 * Prometheus and traced as the MCP conventions say. Upstream: a real Streamable HTTP MCP server
 * ({@link HttpUpstream}) with a prompt and two resources.
 */
class McpOperationsTest {
  private static final String TOKEN = "token-" + UUID.randomUUID();

  @TempDir static Path data;
  private static HttpUpstream lib;
  private static OtlpReceiver collector;
  private static McpHarness harness;

  @BeforeAll
  static void start() throws Exception {
    collector = OtlpReceiver.start();
    lib = new HttpUpstream(TOKEN);
    ObjectNode mcp =
        (ObjectNode)
            JSON.readTree(
                """
                {"servers": {
                  "lib": {
                    "url": "%s",
                    "virtual-key": "web-token",
                    "guardrails": {
                      "input_guardrails": [
                        {"id": "no-sql", "deny": true,
                         "default.regexMatch": {"rule": "DROP TABLE", "not": true}}
                      ],
                      "output_guardrails": [
                        {"id": "no-classified", "deny": true,
                         "default.regexMatch": {"rule": "classified", "not": true}}
                      ]
                    },
                    "prompts": {
                      "greet": {
                        "rate-limit": {"per-key": 2},
                        "guardrails": {"input_mutators": [{"id": "redact-pii", "switchboard.pii": {}}]}
                      }
                    },
                    "resources": {"rate-limit": {"total": 1000}}
                  }
                }}
                """
                    .formatted(lib.url()));
    harness = McpHarness.tracedTo(collector, data, mcp, TOKEN);
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    if (lib != null) {
      lib.close();
    }
    if (collector != null) {
      collector.close();
    }
  }

  private static JsonNode row(String model, String outcome) {
    awaitTrue(
        () ->
            harness.logRows("lib", model).stream()
                .anyMatch(row -> outcome.equals(row.path("metadata").path("mcp.outcome").asText())),
        "a row of " + model + " with outcome " + outcome);
    return harness.logRows("lib", model).stream()
        .filter(row -> outcome.equals(row.path("metadata").path("mcp.outcome").asText()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aPromptsArgumentsAreRewrittenByItsOwnMutatorAndTheCallIsARow() {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      McpSchema.GetPromptResult prompt =
          client.getPrompt(
              new McpSchema.GetPromptRequest("lib__greet", Map.of("name", "bob@example.com")));
      assertThat(((McpSchema.TextContent) prompt.messages().get(0).content()).text())
          .isEqualTo("Hello, [EMAIL].");
    }
    JsonNode row = row("greet", "ok");
    assertThat(row.path("status").asInt()).isEqualTo(200);
    assertThat(row.path("request_model").asText()).isEqualTo("lib__greet");
    assertThat(row.path("path").asText()).isEqualTo("/mcp");
    assertThat(row.path("metadata").path("mcp.method").asText()).isEqualTo("prompts/get");
    assertThat(row.path("metadata").path("mcp.prompt").asText()).isEqualTo("greet");
    assertThat(row.path("metadata").path("mcp.arguments_sha256").asText()).hasSize(64);
    assertThat(row.toString()).doesNotContain("bob@example.com");
  }

  @Test
  void aPromptPastItsRateLimitIsRefusedWithAJsonRpcError() {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      McpSchema.GetPromptRequest greet =
          new McpSchema.GetPromptRequest("lib__greet", Map.of("name", "ann"));
      client.getPrompt(greet);
      client.getPrompt(greet);
      McpError refused = catchThrowableOfType(McpError.class, () -> client.getPrompt(greet));
      assertThat(refused.getJsonRpcError().code()).isEqualTo(-32000);
      assertThat(refused.getMessage()).contains("lib/prompts/greet for key", "2 a minute");
      assertThat(String.valueOf(refused.getJsonRpcError().data())).contains("rate_limited");
    }
    assertThat(row("greet", "rate_limited").path("status").asInt()).isEqualTo(429);
  }

  @Test
  void aResourceWhoseTextTheServersOutputGuardrailDeniesIsWithheld() {
    try (McpSyncClient client = harness.client("/mcp/lib", harness.key(null))) {
      McpSchema.ReadResourceResult memo =
          client.readResource(new McpSchema.ReadResourceRequest("memo://public"));
      assertThat(((McpSchema.TextResourceContents) memo.contents().get(0)).text())
          .isEqualTo("the public memo");
      McpError refused =
          catchThrowableOfType(
              McpError.class,
              () -> client.readResource(new McpSchema.ReadResourceRequest("memo://secret")));
      assertThat(refused.getJsonRpcError().code()).isEqualTo(-32000);
      assertThat(refused.getMessage())
          .contains("read of memo://secret", "its result", "no-classified")
          .doesNotContain("plans");
      assertThat(String.valueOf(refused.getJsonRpcError().data())).contains("guardrail_denied");
    }
    JsonNode denied = row("memo://secret", "guardrail_denied");
    assertThat(denied.path("status").asInt()).isEqualTo(446);
    assertThat(denied.path("guardrails").asText()).isEqualTo("denied");
    assertThat(denied.path("path").asText()).isEqualTo("/mcp/lib");
    assertThat(denied.path("metadata").path("mcp.method").asText()).isEqualTo("resources/read");
    assertThat(row("memo://public", "ok").path("guardrails").asText()).isEqualTo("passed");
  }

  @Test
  void everyMethodIsTimedInPrometheusAndListingsAreNoRows() {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      client.listTools();
      client.listPrompts();
      client.listResources();
      client.readResource(new McpSchema.ReadResourceRequest("memo://public"));
    }
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      client.getPrompt(new McpSchema.GetPromptRequest("lib__greet", Map.of("name", "cy")));
    }
    String metrics = harness.adminGet("/metrics");
    for (String method : new String[] {"tools/list", "prompts/list", "resources/list"}) {
      assertThat(metrics)
          .containsPattern(
              "mcp_server_operation_duration_seconds_count\\{error_type=\"\","
                  + "gen_ai_operation_name=\"\",gen_ai_prompt_name=\"\",gen_ai_tool_name=\"\","
                  + "mcp_method_name=\""
                  + method
                  + "\",server=\"\"} [1-9]");
    }
    assertThat(metrics)
        .containsPattern(
            "mcp_server_operation_duration_seconds_count\\{error_type=\"\",[^}]*"
                + "gen_ai_prompt_name=\"lib__greet\",[^}]*mcp_method_name=\"prompts/get\","
                + "server=\"lib\"} [1-9]")
        .containsPattern(
            "mcp_server_operation_duration_seconds_count\\{[^}]*"
                + "mcp_method_name=\"resources/read\",server=\"lib\"} [1-9]");
    awaitTrue(() -> !harness.logRows("lib", "memo://public").isEmpty(), "the read's row");
    assertThat(harness.adminGet("/v1/logs?limit=1000")).doesNotContain("tools/list");
  }

  @Test
  void eachMethodIsAServerSpanAsTheMcpConventionsNameIt() {
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    String traceparent = "00-" + traceId + "-b7ad6b7169203331-01";
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      client.listPrompts();
      client.getPrompt(
          new McpSchema.GetPromptRequest(
              "lib__greet", Map.of("name", "dee"), Map.of("traceparent", traceparent)));
      client.readResource(
          new McpSchema.ReadResourceRequest("memo://public", Map.of("traceparent", traceparent)));
    }
    awaitTrue(() -> span("prompts/list", null) != null, "the listing's span");
    awaitTrue(() -> span("prompts/get lib__greet", traceId) != null, "the prompt's span");
    awaitTrue(() -> span("resources/read", traceId) != null, "the read's span");
    Span prompt = span("prompts/get lib__greet", traceId);
    assertThat(prompt.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(hex(prompt.getParentSpanId())).isEqualTo("b7ad6b7169203331");
    assertThat(attributes(prompt))
        .containsEntry("mcp.method.name", "prompts/get")
        .containsEntry("gen_ai.prompt.name", "lib__greet")
        .containsEntry("switchboard.mcp.server", "lib")
        .containsKey("mcp.session.id")
        .doesNotContainKey("gen_ai.tool.name")
        .doesNotContainKey("error.type");
    assertThat(attributes(span("resources/read", traceId)))
        .containsEntry("mcp.method.name", "resources/read")
        .containsEntry("mcp.resource.uri", "memo://public");
    assertThat(attributes(span("prompts/list", null)))
        .containsEntry("mcp.method.name", "prompts/list")
        .containsEntry("url.path", "/mcp");
    // The rows carry the W3C trace id, so the dashboard finds them with the trace's model calls.
    awaitTrue(
        () -> rows("/v1/logs?trace_id=" + traceId).size() == 2, "both rows under the trace id");
  }

  @Test
  void settingsForAPromptOrResourcesAreCheckedAtStart() {
    assertThatThrownBy(() ->
            dev.switchboard.mcp.McpSettings.parse(
                JSON.readTree(
                    """
                    {"servers": {"lib": {"url": "http://127.0.0.1:1/mcp",
                      "resources": {"guardrails": {"input_guardrails": []}, "ttl": 3}}}}
                    """),
                (name, text) -> java.time.Duration.ofMinutes(1)))
        .hasMessageContaining("mcp.servers.lib.resources.ttl");
  }

  private static JsonNode rows(String query) {
    try {
      return JSON.readTree(harness.adminGet(query)).path("data");
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private static Span span(String name, String traceId) {
    return collector.spans().stream()
        .filter(span -> span.getName().equals(name))
        .filter(span -> traceId == null || hex(span.getTraceId()).equals(traceId))
        .findFirst()
        .orElse(null);
  }
}
