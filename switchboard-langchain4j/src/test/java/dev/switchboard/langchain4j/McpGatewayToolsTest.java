package dev.switchboard.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.mcp.McpToolProvider;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.service.AiServices;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import dev.switchboard.testkit.TravelMcpServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LangChain4j's MCP client ({@code langchain4j-mcp}) pointed at the gateway's {@code /mcp}: it gets
 * the tools the gateway key's scope names, under the gateway's namespaced names, and an agent
 * ({@code AiServices}) whose model (the offline {@code mock}, scripted to call a tool) and tools
 * both go through the gateway. The upstream is a real stdio MCP server of the MCP Java SDK ({@link
 * TravelMcpServer}) that the gateway runs.
 */
class McpGatewayToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The mock model calls the weather tool, then answers with its result. */
  private static final String CONFIG =
      """
      {"provider": "mock", "override_params": {"mock_script": [
        {"tool_calls": [{"name": "travel__weather", "arguments": {"city": "Paris"}}]}]}}\
      """;

  @TempDir static Path data;
  private static SwitchboardServer gateway;
  private static String everything;
  private static String weatherOnly;

  @BeforeAll
  static void start() throws Exception {
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("access.directory", data.resolve("access").toString());
    settings.put("access.require-keys", true);
    settings.put("access.master-key", Base64.getEncoder().encodeToString(masterKey));
    settings.put("logs.enabled", false);
    settings.put("responses.enabled", false);
    settings
        .putObject("mcp")
        .putObject("servers")
        .set("travel", JSON.valueToTree(TravelMcpServer.serverSettings()));
    gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    everything = key(null);
    weatherOnly = key(Set.of("travel__weather"));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!gateway.mcp().states().get("travel").connected()) {
      assertThat(System.nanoTime()).as("the travel server connected").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static String key(Set<String> mcp) {
    KeyScopes scopes =
        new KeyScopes(Set.of(Permission.MCP, Permission.COMPLETIONS), null, null, null, null, mcp);
    return gateway
        .access()
        .admin()
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest("default", "lc4j-" + UUID.randomUUID(), scopes, null, null))
        .secret();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static McpClient tools(String key) {
    return DefaultMcpClient.builder()
        .transport(
            StreamableHttpMcpTransport.builder()
                .url(gateway.baseUri().resolve("/mcp").toString())
                .customHeaders(Map.of("Authorization", "Bearer " + key))
                .build())
        .build();
  }

  private static List<String> names(List<ToolSpecification> tools) {
    return tools.stream().map(ToolSpecification::name).sorted().toList();
  }

  @Test
  void langChain4jsMcpClientGetsTheToolsTheKeysScopeNames() throws Exception {
    try (McpClient all = tools(everything);
        McpClient weather = tools(weatherOnly)) {
      assertThat(names(all.listTools())).containsExactly("travel__time", "travel__weather");
      assertThat(names(weather.listTools())).containsExactly("travel__weather");
    }
  }

  interface Assistant {
    String chat(String question);
  }

  @Test
  void anAgentsModelAndToolsBothGoThroughTheGateway() throws Exception {
    try (McpClient weather = tools(weatherOnly)) {
      Assistant assistant =
          AiServices.builder(Assistant.class)
              .chatModel(
                  SwitchboardChatModel.builder()
                      .baseUrl(gateway.baseUri().resolve("/v1").toString())
                      .gatewayKey(weatherOnly)
                      .config(CONFIG)
                      .modelName("gpt-4o-mini")
                      .build())
              .toolProvider(McpToolProvider.builder().mcpClients(weather).build())
              .build();

      assertThat(assistant.chat("What is the weather in Paris?"))
          .contains("18C and sunny in Paris");
    }
  }
}
