package dev.switchboard.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import dev.switchboard.testkit.TravelMcpServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.mcp.SyncMcpToolCallback;
import org.springframework.ai.mcp.SyncMcpToolCallbackProvider;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;

/**
 * Spring AI's MCP client support ({@code spring-ai-mcp}: {@link SyncMcpToolCallbackProvider} over
 * the MCP Java SDK's client) pointed at the gateway's {@code /mcp}: a {@code ChatClient} whose
 * model (this module's, on the offline {@code mock}) and tools both go through the gateway, and the
 * gateway key's MCP scope decides which tools the model is offered and which it can call. The
 * upstream is a real stdio MCP server of the MCP Java SDK (the test kit's {@link TravelMcpServer})
 * that the gateway runs.
 */
class McpGatewayToolsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The mock calls the weather tool, then answers with its result. */
  private static final String WEATHER =
      """
      {"provider": "mock", "override_params": {"mock_script": [
        {"tool_calls": [{"name": "travel__weather", "arguments": {"city": "Paris"}}]}]}}\
      """;

  /** The mock calls the time tool, then answers with its result. */
  private static final String TIME =
      """
      {"provider": "mock", "override_params": {"mock_script": [
        {"tool_calls": [{"name": "travel__time", "arguments": {"zone": "Europe/Paris"}}]}]}}\
      """;

  /** Unscripted, the mock calls every tool it is offered, then answers with their results. */
  private static final String EVERY_TOOL_OFFERED = "{\"provider\": \"mock\"}";

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
            new AccessAdmin.KeyRequest(
                "default", "spring-ai-" + UUID.randomUUID(), scopes, null, null))
        .secret();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** The MCP Java SDK's client on the gateway's {@code /mcp}, holding {@code key}. */
  private static McpSyncClient tools(String key) {
    McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(gateway.baseUri().toString())
                    .endpoint("/mcp")
                    .httpRequestCustomizer((request, method, uri, body, context) ->
                        request.setHeader("Authorization", "Bearer " + key))
                    .build())
            .build();
    client.initialize();
    return client;
  }

  /** A chat client on this module's model, through the gateway with {@code key} and a config. */
  private static ChatClient chat(String key, String config) {
    return ChatClient.create(
        SwitchboardSpringChatModel.builder()
            .baseUrl(gateway.baseUri().toString())
            .gatewayKey(key)
            .config(config)
            .defaultOptions(SwitchboardChatOptions.builder().model("gpt-4o-mini").build())
            .build());
  }

  private static List<String> names(ToolCallbackProvider provider) {
    return Arrays.stream(provider.getToolCallbacks())
        .map(callback -> callback.getToolDefinition().name())
        .sorted()
        .toList();
  }

  @Test
  void springAisMcpClientGetsTheToolsTheKeysScopeNames() {
    try (McpSyncClient all = tools(everything);
        McpSyncClient weather = tools(weatherOnly)) {
      assertThat(names(SyncMcpToolCallbackProvider.builder().mcpClients(all).build()))
          .containsExactly("travel__time", "travel__weather");
      assertThat(names(SyncMcpToolCallbackProvider.builder().mcpClients(weather).build()))
          .containsExactly("travel__weather");
    }
  }

  @Test
  void aChatClientsModelAndToolsBothGoThroughTheGateway() {
    try (McpSyncClient weather = tools(weatherOnly)) {
      String answer =
          chat(weatherOnly, WEATHER)
              .prompt()
              .user("What is the weather in Paris?")
              .toolCallbacks(SyncMcpToolCallbackProvider.builder().mcpClients(weather).build())
              .call()
              .content();

      assertThat(answer).contains("18C and sunny in Paris");
    }
  }

  @Test
  void theModelIsOfferedOnlyTheToolsInTheKeysScope() {
    // The unscripted mock calls every tool the request offers it: its answer shows which.
    try (McpSyncClient all = tools(everything);
        McpSyncClient weather = tools(weatherOnly)) {
      String everyTool =
          chat(everything, EVERY_TOOL_OFFERED)
              .prompt()
              .user("Weather and time, please.")
              .toolCallbacks(SyncMcpToolCallbackProvider.builder().mcpClients(all).build())
              .call()
              .content();
      String scoped =
          chat(weatherOnly, EVERY_TOOL_OFFERED)
              .prompt()
              .user("Weather and time, please.")
              .toolCallbacks(SyncMcpToolCallbackProvider.builder().mcpClients(weather).build())
              .call()
              .content();

      assertThat(everyTool).contains("18C and sunny in", "14:05 in");
      assertThat(scoped).contains("18C and sunny in").doesNotContain("14:05");
    }
  }

  @Test
  void aToolOutsideTheScopeIsNotCallableEvenThroughACallbackMadeForIt() {
    try (McpSyncClient all = tools(everything);
        McpSyncClient weather = tools(weatherOnly)) {
      // The time tool's definition, as a wider key sees it, wired to the weather-only key's client.
      McpSchema.Tool time =
          all.listTools().tools().stream()
              .filter(tool -> tool.name().equals("travel__time"))
              .findFirst()
              .orElseThrow();
      ToolCallback forged = SyncMcpToolCallback.builder().mcpClient(weather).tool(time).build();

      // The gateway answers it as a tool that does not exist (JSON-RPC -32602), a protocol error
      // that Spring AI's callback passes on as the MCP SDK's McpError, not as a tool's result.
      assertThatThrownBy(() -> forged.call("{\"zone\": \"Europe/Paris\"}"))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("Unknown tool: travel__time");
      // So a ChatClient whose model calls it fails with that error: the tool never runs.
      assertThatThrownBy(() ->
              chat(weatherOnly, TIME)
                  .prompt()
                  .user("What time is it in Paris?")
                  .toolCallbacks(forged)
                  .call()
                  .content())
          .hasStackTraceContaining("Unknown tool: travel__time");
    }
  }
}
