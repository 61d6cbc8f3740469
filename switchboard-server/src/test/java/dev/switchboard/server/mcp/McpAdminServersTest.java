package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static dev.switchboard.server.mcp.McpHarness.text;
import static dev.switchboard.server.mcp.McpHarness.toolNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import dev.switchboard.testkit.TestPostgres;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream MCP servers declared through the admin API ({@code /v1/admin/mcp/servers}), end to end:
 * a gateway whose settings file declares {@code web}, its declared servers kept in a PostgreSQL
 * store that a second gateway shares; real Streamable HTTP servers of the MCP Java SDK as the
 * upstreams and the SDK's client as the gateway's client. Also: {@code roots/list} relayed to the
 * client of the call, and a call its client cancels logged as cancelled.
 */
class McpAdminServersTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ADMIN_TOKEN = "admin-" + UUID.randomUUID();
  private static final String WEB_TOKEN = "web-" + UUID.randomUUID();

  /** The declared server's bearer token, sent in its headers: never shown by the admin API. */
  private static final String SECRET = "secret-" + UUID.randomUUID();

  /** How often a gateway reads the store for another gateway's changes. */
  private static final Duration REFRESH = Duration.ofMillis(300);

  @TempDir static Path data;
  private static HttpUpstream web;
  private static HttpUpstream docs;
  private static String store;
  private static SwitchboardServer gateway;

  /** The roots {@code docs} listed each time a client said its roots changed. */
  private static final List<List<String>> rootsChanges = new CopyOnWriteArrayList<>();

  private static final CountDownLatch waiting = new CountDownLatch(1);
  private static final CountDownLatch resume = new CountDownLatch(1);

  @BeforeAll
  static void start() throws Exception {
    web = new HttpUpstream(WEB_TOKEN);
    McpServerFeatures.SyncToolSpecification roots =
        new McpServerFeatures.SyncToolSpecification(
            McpSchema.Tool.builder("roots")
                .description("Lists the roots of the client.")
                .inputSchema(Map.of("type", "object"))
                .build(),
            (exchange, request) -> {
              try {
                return HttpUpstream.text(uris(exchange.listRoots().roots()));
              } catch (McpError refused) {
                return HttpUpstream.text("refused: " + refused.getMessage());
              }
            });
    McpServerFeatures.SyncToolSpecification wait =
        new McpServerFeatures.SyncToolSpecification(
            McpSchema.Tool.builder("wait")
                .description("Waits until the test lets it answer.")
                .inputSchema(Map.of("type", "object"))
                .build(),
            (exchange, request) -> {
              waiting.countDown();
              try {
                resume.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return HttpUpstream.text("resumed");
            });
    docs =
        new HttpUpstream(
            SECRET, List.of(roots, wait), listed -> rootsChanges.add(List.of(uris(listed))));
    store = TestPostgres.freshSchemaUrl();
    gateway = gateway("a");
  }

  private static String uris(List<McpSchema.Root> roots) {
    return roots.stream().map(McpSchema.Root::uri).sorted().collect(Collectors.joining(","));
  }

  /** A gateway whose settings file declares {@code web}, its declared servers in the store. */
  private static SwitchboardServer gateway(String name) throws Exception {
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("admin.token", ADMIN_TOKEN);
    settings.put("access.directory", data.resolve(name + "/access").toString());
    settings.put("access.master-key", Base64.getEncoder().encodeToString(masterKey));
    settings.put("responses.enabled", false);
    settings.put("logs.directory", data.resolve(name + "/logs").toString());
    settings.put("logs.flush-interval", "20ms");
    settings.put("saved-configs.store", store);
    settings.put("saved-configs.refresh", REFRESH.toMillis() + "ms");
    // The upstreams of the tests listen on loopback, which only a trusted host may reach.
    settings.put("upstream.trusted-hosts", "127.0.0.1");
    ObjectNode mcp = settings.putObject("mcp");
    mcp.put("call-timeout", "20s");
    mcp.putObject("servers")
        .putObject("web")
        .put("url", web.url().toString())
        .putObject("headers")
        .put("Authorization", "Bearer " + WEB_TOKEN);
    SwitchboardServer started =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    awaitTrue(() -> started.mcp().states().get("web").connected(), "web connected");
    return started;
  }

  @AfterAll
  static void stop() throws Exception {
    resume.countDown();
    if (gateway != null) {
      gateway.close();
    }
    for (HttpUpstream upstream : new HttpUpstream[] {web, docs}) {
      if (upstream != null) {
        upstream.close();
      }
    }
  }

  /** A declaration of {@code docs} under {@code name}, its token in its headers. */
  private static ObjectNode docsServer(String name) {
    ObjectNode server = JSON.createObjectNode().put("name", name).put("url", docs.url().toString());
    server.putObject("headers").put("Authorization", "Bearer " + SECRET);
    return server;
  }

  private static HttpResponse<String> admin(
      SwitchboardServer on, String method, String path, JsonNode body) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(on.baseUri().resolve(path))
              .header("authorization", "Bearer " + ADMIN_TOKEN)
              .header("content-type", "application/json")
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body.toString()))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static McpSyncClient client(McpClient.SyncSpec spec) {
    McpSyncClient client = spec.requestTimeout(Duration.ofSeconds(30)).build();
    client.initialize();
    return client;
  }

  private static McpClient.SyncSpec spec(SwitchboardServer on, String path) {
    return McpClient.sync(
        HttpClientStreamableHttpTransport.builder(on.baseUri().toString()).endpoint(path).build());
  }

  private static McpSyncClient client(SwitchboardServer on, String path) {
    return client(spec(on, path));
  }

  private static void declare(SwitchboardServer on, ObjectNode server) {
    HttpResponse<String> made = admin(on, "POST", "/v1/admin/mcp/servers", server);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String name = server.path("name").asText();
    awaitTrue(
        () -> on.mcp().states().containsKey(name) && on.mcp().states().get(name).connected(),
        name + " connected");
  }

  @Test
  void aServerDeclaredThroughTheAdminApiIsServedListedWithoutItsHeadersChangedAndRemoved()
      throws Exception {
    List<List<String>> toolsChanges = new CopyOnWriteArrayList<>();
    try (McpSyncClient client =
        client(
            spec(gateway, "/mcp")
                .toolsChangeConsumer(tools ->
                    toolsChanges.add(tools.stream().map(McpSchema.Tool::name).toList())))) {
      assertThat(toolNames(client)).noneMatch(name -> name.startsWith("docs__"));

      ObjectNode declaration = docsServer("docs");
      declaration.putObject("rate_limit").put("per_key", 100);
      HttpResponse<String> made = admin(gateway, "POST", "/v1/admin/mcp/servers", declaration);
      assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
      assertThat(made.body()).doesNotContain(SECRET);
      JsonNode shown = JSON.readTree(made.body());
      assertThat(shown.path("name").asText()).isEqualTo("docs");
      assertThat(shown.path("source").asText()).isEqualTo("admin");
      assertThat(shown.path("url").asText()).isEqualTo(docs.url().toString());
      assertThat(shown.path("headers").path("Authorization").asText()).isEqualTo("***");

      // The client is told: tools/list_changed, and its list has the new server's tools.
      awaitTrue(
          () -> toolsChanges.stream().anyMatch(tools -> tools.contains("docs__echo")),
          "tools/list_changed with docs__echo");
      assertThat(toolNames(client)).contains("docs__echo", "docs__roots", "web__echo");
      // The upstream refuses a request without its token: the headers reached it.
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("docs__echo", Map.of("text", "hi")))))
          .isEqualTo("echo: hi");
      try (McpSyncClient own = client(gateway, "/mcp/docs")) {
        assertThat(toolNames(own)).contains("echo", "roots");
      }

      HttpResponse<String> listed = admin(gateway, "GET", "/v1/admin/mcp/servers", null);
      assertThat(listed.statusCode()).isEqualTo(200);
      assertThat(listed.body()).doesNotContain(SECRET).doesNotContain(WEB_TOKEN);
      Map<String, JsonNode> servers = new java.util.HashMap<>();
      JSON.readTree(listed.body())
          .path("data")
          .forEach(server -> servers.put(server.path("name").asText(), server));
      assertThat(servers.get("web").path("source").asText()).isEqualTo("settings");
      assertThat(servers.get("docs").path("source").asText()).isEqualTo("admin");
      assertThat(servers.get("docs").path("connected").asBoolean()).isTrue();
      assertThat(servers.get("docs").path("headers").path("Authorization").asText())
          .isEqualTo("***");
      assertThat(admin(gateway, "GET", "/v1/admin/mcp/servers/docs", null).body())
          .doesNotContain(SECRET)
          .contains("\"***\"");

      // Changed: a guardrail on its tools' arguments, applied without reconnecting.
      ObjectNode changed = docsServer("docs");
      changed
          .putObject("guardrails")
          .putArray("input_guardrails")
          .addObject()
          .put("id", "no-forbidden")
          .put("deny", true)
          .putObject("default.regexMatch")
          .put("rule", "forbidden")
          .put("not", true);
      HttpResponse<String> put = admin(gateway, "PUT", "/v1/admin/mcp/servers/docs", changed);
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      assertThat(put.body()).doesNotContain(SECRET);
      McpSchema.CallToolResult refused =
          client.callTool(new McpSchema.CallToolRequest("docs__echo", Map.of("text", "forbidden")));
      assertThat(refused.isError()).isTrue();
      assertThat(text(refused)).contains("no-forbidden");
      assertThat(
              text(
                  client.callTool(
                      new McpSchema.CallToolRequest("docs__echo", Map.of("text", "allowed")))))
          .isEqualTo("echo: allowed");

      // Removed: its tools are gone, the client is told, a call of one is an unknown tool.
      int changesBefore = toolsChanges.size();
      HttpResponse<String> deleted = admin(gateway, "DELETE", "/v1/admin/mcp/servers/docs", null);
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
      awaitTrue(
          () ->
              toolsChanges.stream()
                  .skip(changesBefore)
                  .anyMatch(tools -> tools.stream().noneMatch(name -> name.startsWith("docs__"))),
          "tools/list_changed without docs' tools");
      assertThat(toolNames(client))
          .noneMatch(name -> name.startsWith("docs__"))
          .contains("web__echo");
      assertThatThrownBy(
              () -> client.callTool(new McpSchema.CallToolRequest("docs__echo", Map.of())))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("Unknown tool");
      assertThat(gateway.mcp().servers()).doesNotContain("docs");
      assertThat(
              HTTP.send(
                      HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp/docs")).GET().build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(404);
      assertThat(admin(gateway, "GET", "/v1/admin/mcp/servers/docs", null).statusCode())
          .isEqualTo(404);
      assertThat(admin(gateway, "DELETE", "/v1/admin/mcp/servers/docs", null).statusCode())
          .isEqualTo(404);
    }
  }

  @Test
  void aStdioServerThroughTheAdminApiIsRefusedWith400InTheOpenAiErrorShape() throws Exception {
    ObjectNode stdio = JSON.createObjectNode().put("name", "shell").put("command", "sh");
    stdio.putArray("args").add("-c").add("id");
    HttpResponse<String> refused = admin(gateway, "POST", "/v1/admin/mcp/servers", stdio);
    assertThat(refused.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText())
        .contains("stdio servers")
        .contains("declared only in the settings file");
    assertThat(gateway.mcp().servers()).doesNotContain("shell");
    assertThat(admin(gateway, "GET", "/v1/admin/mcp/servers/shell", null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aNameTheSettingsFileDeclaresIs409() throws Exception {
    HttpResponse<String> taken = admin(gateway, "POST", "/v1/admin/mcp/servers", docsServer("web"));
    assertThat(taken.statusCode()).isEqualTo(409);
    assertThat(JSON.readTree(taken.body()).path("error").path("message").asText())
        .contains("declared in the settings file");
    assertThat(admin(gateway, "PUT", "/v1/admin/mcp/servers/web", docsServer("web")).statusCode())
        .isEqualTo(409);
    assertThat(admin(gateway, "DELETE", "/v1/admin/mcp/servers/web", null).statusCode())
        .isEqualTo(409);
    assertThat(gateway.mcp().states().get("web").connected()).isTrue();
  }

  @Test
  void aServersUrlObeysTheCustomHostRules() throws Exception {
    ObjectNode itself =
        JSON.createObjectNode()
            .put("name", "loop")
            .put("url", gateway.baseUri().resolve("/mcp").toString());
    HttpResponse<String> refused = admin(gateway, "POST", "/v1/admin/mcp/servers", itself);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("own listener");
    for (String internal :
        List.of("http://10.1.2.3/mcp", "http://metadata.google.internal/mcp", "ftp://x.example")) {
      ObjectNode server = JSON.createObjectNode().put("name", "internal").put("url", internal);
      assertThat(admin(gateway, "POST", "/v1/admin/mcp/servers", server).statusCode())
          .as(internal)
          .isEqualTo(400);
    }
    ObjectNode unknown = docsServer("strange").put("shell", true);
    assertThat(admin(gateway, "POST", "/v1/admin/mcp/servers", unknown).body())
        .contains("unknown field: shell");
    assertThat(gateway.mcp().servers()).doesNotContain("loop", "internal", "strange");
  }

  @Test
  void aSecondGatewayOnTheSameStoreServesTheServerWithinItsRefresh() throws Exception {
    try (SwitchboardServer second = gateway("b")) {
      // From the request: the store has it before the first gateway answers.
      long declared = System.nanoTime();
      HttpResponse<String> made =
          admin(gateway, "POST", "/v1/admin/mcp/servers", docsServer("docs-shared"));
      assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
      awaitTrue(() -> second.mcp().servers().contains("docs-shared"), "the second gateway sees it");
      System.out.printf(
          "declared on one gateway, served by the other after %d ms (refresh %d ms)%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - declared), REFRESH.toMillis());
      awaitTrue(
          () -> second.mcp().states().get("docs-shared").connected(), "connected from the second");
      try (McpSyncClient client = client(second, "/mcp")) {
        assertThat(
                text(
                    client.callTool(
                        new McpSchema.CallToolRequest(
                            "docs-shared__echo", Map.of("text", "shared")))))
            .isEqualTo("echo: shared");
        assertThat(admin(second, "GET", "/v1/admin/mcp/servers/docs-shared", null).body())
            .doesNotContain(SECRET);

        assertThat(admin(second, "DELETE", "/v1/admin/mcp/servers/docs-shared", null).statusCode())
            .isEqualTo(200);
        awaitTrue(
            () -> !gateway.mcp().servers().contains("docs-shared"), "the first gateway drops it");
        assertThat(toolNames(client)).noneMatch(name -> name.startsWith("docs-shared__"));
      }
    }
  }

  @Test
  void aServersRootsListDuringACallIsAnsweredByTheClientOfThatCall() throws Exception {
    declare(gateway, docsServer("docs-roots"));
    McpSyncClient withRoots =
        client(
            spec(gateway, "/mcp")
                .capabilities(McpSchema.ClientCapabilities.builder().roots(true).build())
                .roots(new McpSchema.Root("file:///srv/project", "project")));
    try (withRoots;
        McpSyncClient withoutRoots = client(gateway, "/mcp")) {
      assertThat(
              text(
                  withRoots.callTool(new McpSchema.CallToolRequest("docs-roots__roots", Map.of()))))
          .isEqualTo("file:///srv/project");
      assertThat(
              text(
                  withoutRoots.callTool(
                      new McpSchema.CallToolRequest("docs-roots__roots", Map.of()))))
          .startsWith("refused:")
          .contains("The connected client does not offer roots.");

      // The client's notifications/roots/list_changed reaches the server, which lists them again
      // (during a call: answered by that call's client).
      CompletableFuture<McpSchema.CallToolResult> call =
          CompletableFuture.supplyAsync(
              () -> withRoots.callTool(new McpSchema.CallToolRequest("docs-roots__wait", Map.of())),
              runnable -> Thread.ofVirtual().start(runnable));
      assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
      withRoots.addRoot(new McpSchema.Root("file:///srv/other", "other"));
      awaitTrue(
          () -> rootsChanges.contains(List.of("file:///srv/other,file:///srv/project")),
          "the server listed the client's new roots");
      resume.countDown();
      assertThat(text(call.get(30, TimeUnit.SECONDS))).isEqualTo("resumed");
    } finally {
      admin(gateway, "DELETE", "/v1/admin/mcp/servers/docs-roots", null);
    }
  }

  /**
   * The Java SDK's client does not send {@code notifications/cancelled}, so this client speaks the
   * protocol itself: Streamable HTTP, as the TypeScript SDK's client cancels a call.
   */
  @Test
  void aCallItsClientCancelsIsLoggedAsCancelledNotAsAFailure() throws Exception {
    HttpResponse<String> initialized =
        post(
            null,
            """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"raw","version":"1.0.0"}}}\
            """);
    assertThat(initialized.statusCode()).as(initialized.body()).isEqualTo(200);
    String session = initialized.headers().firstValue("mcp-session-id").orElseThrow();
    post(session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    CompletableFuture<HttpResponse<String>> call =
        HTTP.sendAsync(
            request(
                session,
                """
                {"jsonrpc":"2.0","id":7,"method":"tools/call",
                 "params":{"name":"web__hang","arguments":{}}}\
                """),
            HttpResponse.BodyHandlers.ofString());
    assertThat(web.hanging.await(30, TimeUnit.SECONDS)).isTrue();
    HttpResponse<String> cancelled =
        post(
            session,
            """
            {"jsonrpc":"2.0","method":"notifications/cancelled",
             "params":{"requestId":7,"reason":"the user stopped it"}}\
            """);
    assertThat(cancelled.statusCode()).isEqualTo(202);
    awaitTrue(() -> !logRows("web", "hang").isEmpty(), "the cancelled call's row");
    JsonNode row = logRows("web", "hang").get(0);
    assertThat(row.path("status").asInt()).isEqualTo(499);
    assertThat(row.path("error_type").asText()).isEqualTo("client_closed");
    assertThat(row.path("metadata").path("mcp.outcome").asText()).isEqualTo("cancelled");
    call.cancel(true);
  }

  private static HttpRequest request(String session, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      request.header("mcp-session-id", session);
    }
    return request.build();
  }

  private static HttpResponse<String> post(String session, String body) throws Exception {
    return HTTP.send(request(session, body), HttpResponse.BodyHandlers.ofString());
  }

  private static List<JsonNode> logRows(String server, String tool) {
    return McpHarness.logRows(gateway, ADMIN_TOKEN, server, tool);
  }
}
