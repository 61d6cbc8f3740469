package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static dev.switchboard.server.mcp.McpHarness.text;
import static dev.switchboard.server.mcp.McpHarness.toolNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The MCP gateway end to end: a gateway started from a settings file fronting a real Streamable
 * HTTP MCP server (its bearer token a virtual key of the vault) and a real stdio MCP server the
 * gateway runs, both built with the MCP Java SDK; the SDK's client as the gateway's client.
 */
class McpGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN_TOKEN = "admin-" + UUID.randomUUID();

  /**
   * The upstream's bearer token, kept in the vault: it must show up nowhere a client or log sees.
   */
  private static final String CANARY = "canary-" + UUID.randomUUID();

  @TempDir static Path data;
  private static HttpUpstream web;
  private static SwitchboardServer gateway;
  private static ListAppender<ILoggingEvent> logs;
  private static String everything;
  private static String webEchoOnly;
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    web = new HttpUpstream(CANARY);
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    List<String> stdio = StdioUpstream.commandLine();
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("admin.token", ADMIN_TOKEN);
    settings.put("access.directory", data.resolve("access").toString());
    settings.put("responses.enabled", false);
    settings.put("access.require-keys", true);
    settings.put("access.master-key", Base64.getEncoder().encodeToString(masterKey));
    settings.put("logs.directory", data.resolve("logs").toString());
    settings.put("logs.flush-interval", "20ms");
    ObjectNode mcp = settings.putObject("mcp");
    mcp.put("pins-file", data.resolve("pins.json").toString());
    mcp.put("call-timeout", "20s");
    ObjectNode servers = mcp.putObject("servers");
    servers.putObject("web").put("url", web.url().toString()).put("virtual-key", "web-token");
    ObjectNode calc = servers.putObject("calc").put("command", stdio.get(0));
    stdio.subList(1, stdio.size()).forEach(calc.putArray("args")::add);
    gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    AccessAdmin admin = gateway.access().admin();
    admin.createVirtualKey(
        Principal.ADMIN,
        new AccessAdmin.VirtualKeyRequest(
            "default", "web-token", "openai", Map.of("api_key", CANARY), Limits.NONE));
    everything = key(admin, null);
    webEchoOnly = key(admin, Set.of("web__echo"));
    awaitTrue(
        () -> gateway.mcp().states().values().stream().allMatch(state -> state.connected()),
        "both upstream servers connected");
  }

  private static String key(AccessAdmin admin, Set<String> mcp) {
    KeyScopes scopes = new KeyScopes(Set.of(Permission.MCP), null, null, null, null, mcp);
    return admin
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest("default", "mcp-" + UUID.randomUUID(), scopes, null, null))
        .secret();
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (web != null) {
      web.close();
    }
  }

  private static McpSyncClient client(String path, String key) {
    McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(gateway.baseUri().toString())
                    .endpoint(path)
                    .httpRequestCustomizer((request, method, uri, body, context) ->
                        request.setHeader("Authorization", "Bearer " + key))
                    .build())
            .requestTimeout(Duration.ofSeconds(30))
            .build();
    client.initialize();
    return client;
  }

  @Test
  void listsTheUnionOfEveryServersToolsUnderNamespacedNames() {
    try (McpSyncClient client = client("/mcp", everything)) {
      assertThat(toolNames(client))
          .containsExactly("calc__add", "calc__crash", "web__echo", "web__hang", "web__whoami");
    }
  }

  @Test
  void aServersOwnEndpointListsItsToolsUnderTheirOwnNames() {
    try (McpSyncClient client = client("/mcp/calc", everything)) {
      assertThat(toolNames(client)).containsExactly("add", "crash");
      assertThat(
              text(client.callTool(new McpSchema.CallToolRequest("add", Map.of("a", 2, "b", 3)))))
          .isEqualTo("5.0");
    }
  }

  @Test
  void callsAreRoutedToTheServerThatOwnsTheTool() {
    try (McpSyncClient client = client("/mcp", everything)) {
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("web__echo", Map.of("text", "hello")))))
          .isEqualTo("echo: hello");
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("calc__add", Map.of("a", 40, "b", 2)))))
          .isEqualTo("42.0");
    }
  }

  @Test
  void aToolOutsideTheKeysScopeIsNeitherListedNorCallable() {
    try (McpSyncClient client = client("/mcp", webEchoOnly)) {
      assertThat(toolNames(client)).containsExactly("web__echo");
      assertThatThrownBy(() ->
              client.callTool(new McpSchema.CallToolRequest("calc__add", Map.of("a", 1, "b", 1))))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("Unknown tool: calc__add");
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("web__echo", Map.of("text", "in")))))
          .isEqualTo("echo: in");
    }
    try (McpSyncClient client = client("/mcp/calc", webEchoOnly)) {
      assertThat(toolNames(client)).isEmpty();
    }
  }

  @Test
  void withoutAGatewayKeyTheEndpointAnswers401() throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp"))
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(answer.body()).path("error").path("code").asText())
        .isEqualTo("missing_api_key");
  }

  @Test
  void anUnknownServersEndpointIs404() throws Exception {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp/nowhere"))
                .header("authorization", "Bearer " + everything)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(404);
  }

  @Test
  void aKeyWithoutTheMcpPermissionIsRefused() throws Exception {
    String chatOnly =
        gateway
            .access()
            .admin()
            .createKey(
                Principal.ADMIN,
                new AccessAdmin.KeyRequest(
                    "default",
                    "chat-only",
                    new KeyScopes(Set.of(Permission.COMPLETIONS), null, null, null, null),
                    null,
                    null))
            .secret();
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp"))
                .header("authorization", "Bearer " + chatOnly)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(answer.body()).contains("lacks 'mcp'");
  }

  @Test
  void theVaultsCredentialReachesTheUpstreamAndNoLogNorAnswer() throws Exception {
    List<String> seen = new ArrayList<>();
    try (McpSyncClient client = client("/mcp", everything)) {
      McpSchema.CallToolResult result =
          client.callTool(new McpSchema.CallToolRequest("web__whoami", Map.of()));
      assertThat(text(result)).isEqualTo("authorized");
      seen.add(JSON.writeValueAsString(result));
      seen.add(JSON.writeValueAsString(client.listTools()));
    }
    awaitTrue(() -> logRows("web", "whoami").size() > 0, "the call's row in the request log");
    seen.add(adminGet("/v1/logs?limit=1000").body());
    seen.add(adminGet("/v1/admin/mcp/servers").body());
    seen.add(adminGet("/v1/admin/mcp/tools").body());
    seen.add(adminGet("/metrics").body());
    logs.list.forEach(event -> seen.add(event.getFormattedMessage()));
    assertThat(seen).isNotEmpty().noneMatch(text -> text.contains(CANARY));
  }

  @Test
  void everyToolCallIsARowInTheRequestLog() throws Exception {
    try (McpSyncClient client = client("/mcp", everything)) {
      client.callTool(new McpSchema.CallToolRequest("web__echo", Map.of("text", "logged")));
    }
    try (McpSyncClient client = client("/mcp", webEchoOnly)) {
      assertThatThrownBy(
          () -> client.callTool(new McpSchema.CallToolRequest("web__whoami", Map.of())));
    }
    awaitTrue(() -> logRows("web", "echo").size() > 0, "the echo call's row");
    awaitTrue(
        () -> logRows("web", "whoami").stream().anyMatch(row -> row.path("status").asInt() == 404),
        "the refused call's row");
    JsonNode echo = logRows("web", "echo").get(0);
    assertThat(echo.path("path").asText()).isEqualTo("/mcp");
    assertThat(echo.path("status").asInt()).isEqualTo(200);
    assertThat(echo.path("model").asText()).isEqualTo("echo");
    assertThat(echo.path("api_key_id").asText()).isNotEmpty();
    assertThat(echo.path("metadata").path("mcp.arguments_sha256").asText()).hasSize(64);
  }

  @Test
  void anUpstreamThatDiesMidCallIsAClearErrorAndTheGatewayStaysUp() throws Exception {
    try (HttpUpstream doomed = new HttpUpstream(CANARY);
        McpSyncClient client = client("/mcp", everything)) {
      // A second gateway, so that the shared one keeps its healthy upstream.
      ObjectNode settings = JSON.createObjectNode();
      settings.put("server.port", 0);
      settings.put("access.enabled", false);
      settings.put("logs.enabled", false);
      settings.put("responses.enabled", false);
      ObjectNode servers =
          settings.putObject("mcp").put("call-timeout", "20s").putObject("servers");
      servers
          .putObject("doomed")
          .put("url", doomed.url().toString())
          .putObject("headers")
          .put("Authorization", "Bearer " + CANARY);
      try (SwitchboardServer second =
          SwitchboardServer.start(
              SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()))) {
        awaitTrue(() -> second.mcp().states().get("doomed").connected(), "doomed connected");
        McpSyncClient viaSecond =
            McpClient.sync(
                    HttpClientStreamableHttpTransport.builder(second.baseUri().toString())
                        .endpoint("/mcp")
                        .build())
                .requestTimeout(Duration.ofSeconds(60))
                .build();
        viaSecond.initialize();
        // On a thread of its own: the SDK's client blocks its caller, and its HTTP client's stages
        // run on the common pool, which has one thread on a two-core machine.
        CompletableFuture<McpSchema.CallToolResult> call =
            CompletableFuture.supplyAsync(
                () -> viaSecond.callTool(new McpSchema.CallToolRequest("doomed__hang", Map.of())),
                runnable -> Thread.ofVirtual().start(runnable));
        assertThat(doomed.hanging.await(30, TimeUnit.SECONDS)).isTrue();
        doomed.kill();
        assertThatThrownBy(() -> call.get(60, TimeUnit.SECONDS))
            .hasRootCauseInstanceOf(McpError.class)
            .rootCause()
            .hasMessageContaining("The MCP server 'doomed'");
        // Still up: it lists, and answers a new client.
        assertThat(toolNames(viaSecond)).contains("doomed__echo");
        viaSecond.close();
      }
      assertThat(toolNames(client)).contains("web__echo");
    }
  }

  @Test
  void aStdioServerThatCrashesIsRestartedAndCallsInBetweenFailCleanly() {
    int restartsBefore = gateway.mcp().states().get("calc").restarts();
    try (McpSyncClient client = client("/mcp", everything)) {
      assertThatThrownBy(
              () -> client.callTool(new McpSchema.CallToolRequest("calc__crash", Map.of())))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("The MCP server 'calc'");
      awaitTrue(
          () ->
              gateway.mcp().states().get("calc").restarts() > restartsBefore
                  && gateway.mcp().states().get("calc").connected(),
          "calc restarted");
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("calc__add", Map.of("a", 1, "b", 2)))))
          .isEqualTo("3.0");
    }
    assertThat(logs.list)
        .anyMatch(event -> event.getFormattedMessage().contains("calc upstream started"));
  }

  @Test
  void theAdminApiListsTheServersAndTheirPins() throws Exception {
    JsonNode servers = JSON.readTree(adminGet("/v1/admin/mcp/servers").body()).path("data");
    assertThat(servers.findValuesAsText("name")).contains("web", "calc");
    JsonNode pins = JSON.readTree(adminGet("/v1/admin/mcp/tools").body()).path("data");
    assertThat(pins.findValuesAsText("status")).isNotEmpty().allMatch("approved"::equals);
    assertThat(pins.findValuesAsText("tool")).contains("echo", "add");
  }

  private static HttpResponse<String> adminGet(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(gateway.baseUri().resolve(path))
            .header("authorization", "Bearer " + ADMIN_TOKEN)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<JsonNode> logRows(String server, String tool) {
    try {
      JsonNode rows = JSON.readTree(adminGet("/v1/logs?limit=1000&provider=" + server).body());
      List<JsonNode> found = new ArrayList<>();
      rows.path("data")
          .forEach(row -> {
            if (tool.equals(row.path("model").asText())) {
              found.add(row);
            }
          });
      return found;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
