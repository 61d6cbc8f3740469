package dev.switchboard.server.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway whose settings declare no MCP server makes its MCP gateway on the first request to
 * {@code /mcp} (so that an idle gateway does not hold the MCP SDK): that first request, and the
 * ones after it, are answered as when it was made at start.
 */
class McpWithoutServersTest {
  @TempDir Path data;

  @Test
  void slashMcpAnswersAClientWhenNoServerIsDeclared() throws Exception {
    try (SwitchboardServer gateway = start()) {
      McpSyncClient client =
          McpClient.sync(
                  HttpClientStreamableHttpTransport.builder(gateway.baseUri().toString())
                      .endpoint("/mcp")
                      .build())
              .requestTimeout(Duration.ofSeconds(30))
              .build();
      try {
        McpSchema.InitializeResult initialized = client.initialize();

        assertThat(initialized.serverInfo().name()).isEqualTo("switchboard");
        assertThat(client.listTools().tools()).isEmpty();
        assertThat(gateway.mcp().servers()).isEmpty();
      } finally {
        client.closeGracefully();
      }
    }
  }

  @Test
  void anUndeclaredServerIsNotFoundAsFirstRequest() throws Exception {
    try (SwitchboardServer gateway = start()) {
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(gateway.baseUri().resolve("/mcp/web"))
                      .header("content-type", "application/json")
                      .header("accept", "application/json, text/event-stream")
                      .POST(
                          HttpRequest.BodyPublishers.ofString(
                              """
                              {"jsonrpc":"2.0","id":1,"method":"ping"}\
                              """))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(answer.statusCode()).isEqualTo(404);
      assertThat(answer.body()).contains("No MCP server 'web'.");
    }
  }

  private SwitchboardServer start() {
    return SwitchboardServer.start(
        SettingsLoader.loadYaml(
            """
            server.port: 0
            access.directory: %s
            logs.enabled: false
            responses.enabled: false
            """
                .formatted(data.resolve("access")),
            Map.of(),
            Map.of()));
  }
}
