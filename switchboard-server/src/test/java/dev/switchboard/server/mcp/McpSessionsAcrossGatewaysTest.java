package dev.switchboard.server.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateways sharing {@code mcp.session-store} (the machine's Redis), and the MCP Java SDK's
 * client sending each of its requests to the other gateway in turn, as a round-robin balancer does:
 * the session it opened on one serves it on both, and once deleted it is 404 on both.
 */
class McpSessionsAcrossGatewaysTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "web-" + UUID.randomUUID();
  private static final HttpClient http = HttpClient.newHttpClient();

  private static HttpUpstream web;
  private static final List<SwitchboardServer> gateways = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    web = new HttpUpstream(TOKEN);
    for (int i = 0; i < 2; i++) {
      ObjectNode settings = JSON.createObjectNode();
      settings.put("server.port", 0);
      settings.put("access.enabled", false);
      settings.put("logs.enabled", false);
      settings.put("responses.enabled", false);
      // Two gateways in one process: no embedded stores to share a file.
      settings.put("prompts.enabled", false);
      settings.put("saved-configs.enabled", false);
      // A client's GET stream stays open until its session closes: stop without waiting for it.
      settings.put("server.drain-delay", "0s");
      settings.put("server.drain-timeout", "1s");
      ObjectNode mcp = settings.putObject("mcp").put("session-store", "redis://127.0.0.1:6379");
      mcp.putObject("servers")
          .putObject("web")
          .put("url", web.url().toString())
          .putObject("headers")
          .put("Authorization", "Bearer " + TOKEN);
      SwitchboardServer gateway =
          SwitchboardServer.start(
              SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
      gateways.add(gateway);
      McpHarness.awaitTrue(() -> gateway.mcp().states().get("web").connected(), "web connected");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (SwitchboardServer gateway : gateways) {
      gateway.close();
    }
    if (web != null) {
      web.close();
    }
  }

  /** A client whose every request goes to the next gateway; {@code sent} counts them. */
  private static McpSyncClient roundRobin(AtomicInteger sent) {
    return McpClient.sync(
            HttpClientStreamableHttpTransport.builder(gateways.get(0).baseUri().toString())
                .endpoint("/mcp")
                .openConnectionOnStartup(false)
                .httpRequestCustomizer((request, method, endpoint, body, context) ->
                    request.uri(
                        gateways
                            .get(sent.getAndIncrement() % gateways.size())
                            .baseUri()
                            .resolve("/mcp")))
                .build())
        .build();
  }

  @Test
  void aSessionOpenedOnOneGatewayServesTheClientsRequestsOnEither() {
    AtomicInteger sent = new AtomicInteger();
    try (McpSyncClient client = roundRobin(sent)) {
      client.initialize();
      List<String> tools = McpHarness.toolNames(client);
      List<String> echoes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        echoes.add(
            McpHarness.text(
                client.callTool(
                    new McpSchema.CallToolRequest("web__echo", Map.of("text", "" + i)))));
      }

      assertThat(tools).contains("web__echo");
      assertThat(echoes).containsExactly("echo: 0", "echo: 1", "echo: 2", "echo: 3");
      assertThat(sent.get()).isGreaterThanOrEqualTo(7);
    }
  }

  @Test
  void aSessionDeletedOnOneGatewayIs404OnBoth() throws Exception {
    HttpResponse<String> opened =
        post(
            gateways.get(0).baseUri(),
            null,
            """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\
            """);
    String session = opened.headers().firstValue("mcp-session-id").orElseThrow();
    String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    assertThat(post(gateways.get(1).baseUri(), session, list).statusCode()).isEqualTo(200);

    HttpResponse<String> deleted =
        http.send(
            HttpRequest.newBuilder(gateways.get(1).baseUri().resolve("/mcp"))
                .header("mcp-session-id", session)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(deleted.statusCode()).isEqualTo(200);
    for (SwitchboardServer gateway : gateways) {
      HttpResponse<String> after = post(gateway.baseUri(), session, list);
      assertThat(after.statusCode()).isEqualTo(404);
      assertThat(after.body()).contains("Session not found");
    }
  }

  private static HttpResponse<String> post(URI gateway, String session, String body)
      throws Exception {
    return McpHarness.post(gateway, session, body);
  }
}
