package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static dev.switchboard.server.mcp.McpHarness.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway key's own limits on its MCP tool calls ({@code limits.mcp}): set, changed and read
 * through the admin API over HTTP, held on {@code tools/call} for the MCP Java SDK's client at the
 * gateway, a call past them answered as MCP's tool error ({@code isError}, {@code rate_limited}).
 * The settings file sets no MCP limit here: the key's are the only ones. Upstreams: two real
 * Streamable HTTP MCP servers ({@link HttpUpstream}).
 */
class McpKeyLimitsTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String TOKEN = "upstream-" + UUID.randomUUID();

  @TempDir static Path data;
  private static HttpUpstream alpha;
  private static HttpUpstream beta;
  private static McpHarness harness;

  @BeforeAll
  static void start() throws Exception {
    alpha = new HttpUpstream(TOKEN);
    beta = new HttpUpstream(TOKEN);
    ObjectNode mcp =
        (ObjectNode)
            JSON.readTree(
                """
                {"servers": {
                  "alpha": {"url": "%s", "virtual-key": "web-token"},
                  "beta": {"url": "%s", "virtual-key": "web-token"}
                }}
                """
                    .formatted(alpha.url(), beta.url()));
    harness = new McpHarness(data, mcp, TOKEN);
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (HttpUpstream upstream : new HttpUpstream[] {alpha, beta}) {
      if (upstream != null) {
        upstream.close();
      }
    }
  }

  private static HttpResponse<String> admin(String method, String path, String body) {
    return as("Bearer " + harness.adminToken, method, path, body);
  }

  private static HttpResponse<String> as(
      String authorization, String method, String path, String body) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(harness.gateway.baseUri().resolve(path))
              .header("authorization", authorization)
              .header("content-type", "application/json")
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (Exception e) {
      throw new AssertionError(response.body(), e);
    }
  }

  /** A key made through the admin API with {@code mcp} and these limits: its JSON and secret. */
  private static JsonNode createKey(String limits) {
    HttpResponse<String> created =
        admin(
            "POST",
            "/v1/admin/keys",
            """
            {"name": "agent", "scopes": {"permissions": ["mcp"]}, "limits": %s}
            """
                .formatted(limits));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return json(created);
  }

  private static McpSchema.CallToolResult echo(McpSyncClient client, String server) {
    return client.callTool(
        new McpSchema.CallToolRequest(server + "__echo", Map.of("text", "hi " + server)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> refusal(McpSchema.CallToolResult result) {
    assertThat(result.isError()).as("a refused call").isTrue();
    return (Map<String, Object>) result.meta().get("dev.switchboard/refusal");
  }

  @Test
  void aKeysOwnLimitsAreShownWhenReadAndHoldItsCallsToEveryServerAndToOne() {
    JsonNode key = createKey("{\"mcp\": {\"calls_per_minute\": 3, \"servers\": {\"beta\": 1}}}");
    String id = key.path("id").asText();
    assertThat(key.path("limits").path("mcp").toString())
        .isEqualTo("{\"calls_per_minute\":3,\"servers\":{\"beta\":1}}");
    JsonNode read = json(admin("GET", "/v1/admin/keys/" + id, null));
    assertThat(read.path("limits").path("mcp").path("calls_per_minute").asLong()).isEqualTo(3);
    assertThat(read.path("limits").path("mcp").path("servers").path("beta").asLong()).isEqualTo(1);

    try (McpSyncClient client = harness.client("/mcp", key.path("key").asText())) {
      assertThat(text(echo(client, "beta"))).isEqualTo("echo: hi beta");
      McpSchema.CallToolResult pastBeta = echo(client, "beta");
      assertThat(refusal(pastBeta)).containsEntry("type", "rate_limited");
      assertThat(((Number) refusal(pastBeta).get("retry_after_seconds")).longValue())
          .isBetween(1L, 60L);
      assertThat(text(pastBeta))
          .contains("calls to beta by key " + id, "1 a minute", "Try again in");
      // The refused call took nothing from the key's limit on every server: two calls remain.
      assertThat(text(echo(client, "alpha"))).isEqualTo("echo: hi alpha");
      assertThat(text(echo(client, "alpha"))).isEqualTo("echo: hi alpha");
      McpSchema.CallToolResult pastAll = echo(client, "alpha");
      assertThat(refusal(pastAll)).containsEntry("type", "rate_limited");
      assertThat(text(pastAll)).contains("calls by key " + id, "3 a minute");
    }
    // At the server's own endpoint too, and as a row of status 429 in the request log.
    try (McpSyncClient client = harness.client("/mcp/alpha", key.path("key").asText())) {
      McpSchema.CallToolResult past =
          client.callTool(new McpSchema.CallToolRequest("echo", Map.of("text", "x")));
      assertThat(refusal(past)).containsEntry("type", "rate_limited");
    }
    awaitTrue(
        () ->
            harness.logRows("beta", "echo").stream()
                .anyMatch(row -> row.path("status").asInt() == 429),
        "a 429 row of beta__echo");
  }

  @Test
  void anotherKeyIsNotHeldToThem() {
    createKey("{\"mcp\": {\"calls_per_minute\": 1}}");
    JsonNode free = createKey("null");
    assertThat(free.path("limits").has("mcp")).isFalse();
    try (McpSyncClient client = harness.client("/mcp", free.path("key").asText())) {
      for (int call = 0; call < 5; call++) {
        assertThat(echo(client, "alpha").isError()).isFalse();
      }
    }
  }

  @Test
  void aPatchReplacesThemAndTheNewLimitHoldsAtOnce() {
    JsonNode key = createKey("{\"mcp\": {\"calls_per_minute\": 100}}");
    String id = key.path("id").asText();
    try (McpSyncClient client = harness.client("/mcp", key.path("key").asText())) {
      assertThat(echo(client, "alpha").isError()).isFalse();
      assertThat(echo(client, "alpha").isError()).isFalse();

      HttpResponse<String> patched =
          admin(
              "PATCH",
              "/v1/admin/keys/" + id,
              "{\"limits\": {\"mcp\": {\"servers\": {\"alpha\": 1}}}}");
      assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
      assertThat(json(patched).path("limits").path("mcp").path("calls_per_minute").isNull())
          .isTrue();
      assertThat(json(patched).path("limits").path("mcp").path("servers").path("alpha").asLong())
          .isEqualTo(1);

      // The same session: the key is read again on each HTTP request (within its cache's 5 s,
      // which the node that changed it drops at once).
      assertThat(echo(client, "alpha").isError()).isFalse();
      assertThat(text(echo(client, "alpha"))).contains("calls to alpha by key " + id);
      assertThat(echo(client, "beta").isError()).isFalse();
    }
  }

  @Test
  void invalidLimitsAreRefusedNamingTheFieldAndOnlyKeysTakeThem() {
    JsonNode key = createKey("null");
    String path = "/v1/admin/keys/" + key.path("id").asText();
    for (String[] invalid :
        new String[][] {
          {"{\"limits\": {\"mcp\": {\"calls_per_minute\": -1}}}", "negative"},
          {"{\"limits\": {\"mcp\": {\"calls_per_minute\": \"ten\"}}}", "calls_per_minute"},
          {"{\"limits\": {\"mcp\": {\"per_minute\": 5}}}", "limits.mcp.per_minute"},
          {"{\"limits\": {\"mcp\": {\"servers\": {\"Docs!\": 5}}}}", "Docs!"},
          {"{\"limits\": {\"mcp\": {\"servers\": [\"alpha\"]}}}", "limits.mcp.servers"},
        }) {
      HttpResponse<String> refused = admin("PATCH", path, invalid[0]);
      assertThat(refused.statusCode()).as(invalid[0]).isEqualTo(400);
      assertThat(json(refused).path("error").path("message").asText())
          .as(invalid[0])
          .contains(invalid[1]);
    }
    HttpResponse<String> workspace =
        admin(
            "POST",
            "/v1/admin/workspaces",
            "{\"id\": \"ws-mcp\", \"limits\": {\"mcp\": {\"calls_per_minute\": 5}}}");
    assertThat(workspace.statusCode()).isEqualTo(400);
    assertThat(json(workspace).path("error").path("message").asText())
        .contains("limits.mcp", "gateway key's own");
  }

  @Test
  void aKeyMintsOnlyKeysHeldToItsOwnMcpLimitsOrTighter() {
    HttpResponse<String> made =
        admin(
            "POST",
            "/v1/admin/keys",
            """
            {"name": "lead", "scopes": {"permissions": ["mcp", "keys.manage"]},
             "limits": {"mcp": {"calls_per_minute": 10, "servers": {"beta": 2}}}}
            """);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String lead = "Bearer " + json(made).path("key").asText();
    for (String[] wider :
        new String[][] {
          {"{}", "mcp.calls_per_minute"},
          {"{\"mcp\": {\"calls_per_minute\": 20, \"servers\": {\"beta\": 2}}}", "calls_per_minute"},
          {"{\"mcp\": {\"calls_per_minute\": 10}}", "mcp.servers.beta"},
          {"{\"mcp\": {\"calls_per_minute\": 10, \"servers\": {\"beta\": 3}}}", "mcp.servers.beta"},
        }) {
      HttpResponse<String> refused =
          as(
              lead,
              "POST",
              "/v1/admin/keys",
              "{\"scopes\": {\"permissions\": [\"mcp\"]}, \"limits\": " + wider[0] + "}");
      assertThat(refused.statusCode()).as(wider[0]).isEqualTo(403);
      assertThat(json(refused).path("error").path("message").asText())
          .as(wider[0])
          .contains(wider[1]);
    }
    HttpResponse<String> narrower =
        as(
            lead,
            "POST",
            "/v1/admin/keys",
            """
            {"scopes": {"permissions": ["mcp"]},
             "limits": {"mcp": {"calls_per_minute": 5, "servers": {"beta": 1, "alpha": 3}}}}
            """);
    assertThat(narrower.statusCode()).as(narrower.body()).isEqualTo(201);
    // A key that names no limits gets its maker's.
    HttpResponse<String> inherited =
        as(lead, "POST", "/v1/admin/keys", "{\"scopes\": {\"permissions\": [\"mcp\"]}}");
    assertThat(inherited.statusCode()).as(inherited.body()).isEqualTo(201);
    assertThat(json(inherited).path("limits").path("mcp").path("calls_per_minute").asLong())
        .isEqualTo(10);
  }
}
