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
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client's MCP session at the gateway is dropped once idle for {@code mcp.session-timeout}: a
 * request with it then answers 404, as MCP's Streamable HTTP transport says, and the client starts
 * a new session with a new {@code initialize}.
 */
class McpSessionExpiryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "web-" + UUID.randomUUID();

  private static HttpUpstream web;
  private static SwitchboardServer gateway;

  @BeforeAll
  static void start() throws Exception {
    web = new HttpUpstream(TOKEN);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("access.enabled", false);
    settings.put("logs.enabled", false);
    settings.put("responses.enabled", false);
    ObjectNode mcp = settings.putObject("mcp").put("session-timeout", "1s");
    mcp.putObject("servers")
        .putObject("web")
        .put("url", web.url().toString())
        .putObject("headers")
        .put("Authorization", "Bearer " + TOKEN);
    gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    McpHarness.awaitTrue(() -> gateway.mcp().states().get("web").connected(), "web connected");
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

  private static HttpResponse<String> post(String session, String body) throws Exception {
    return McpHarness.post(gateway.baseUri(), session, body);
  }

  @Test
  void anIdleSessionExpiresAndAnswers404ThenANewOneWorks() throws Exception {
    HttpResponse<String> initialized =
        post(
            null,
            """
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",
             "capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\
            """);
    assertThat(initialized.statusCode()).isEqualTo(200);
    String session = initialized.headers().firstValue("mcp-session-id").orElseThrow();
    String list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    assertThat(post(session, list).statusCode()).isEqualTo(200);

    // Each request keeps the session alive: look again only after three timeouts without any.
    int status = 200;
    for (int look = 0; look < 10 && status != 404; look++) {
      Thread.sleep(3_000);
      status = post(session, list).statusCode();
    }
    assertThat(status).as("a request with the idle session").isEqualTo(404);

    try (McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(gateway.baseUri().toString())
                    .endpoint("/mcp")
                    .build())
            .build()) {
      client.initialize();
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name).contains("web__echo");
    }
  }
}
