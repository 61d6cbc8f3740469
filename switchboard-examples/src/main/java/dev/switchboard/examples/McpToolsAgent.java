package dev.switchboard.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.mcp.McpToolProvider;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.service.AiServices;
import dev.switchboard.langchain4j.SwitchboardChatModel;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import dev.switchboard.testkit.TravelMcpServer;
import java.util.List;
import java.util.Map;

/**
 * A LangChain4j agent whose model and tools both go through the gateway, with no key: the model is
 * the offline {@code mock} (scripted to call both tools), the tools come from a small stdio MCP
 * server (the test kit's {@link TravelMcpServer}) that the gateway runs and fronts at {@code /mcp},
 * and LangChain4j's MCP client ({@code langchain4j-mcp}) lists and calls them there. The gateway is
 * started in this JVM from settings that declare the server, as a settings file would:
 *
 * <pre>
 * mcp:
 *   servers:
 *     travel:
 *       command: java
 *       args: [-cp, …, dev.switchboard.testkit.TravelMcpServer]
 * </pre>
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples -am compile exec:java -Dexample=McpToolsAgent}
 * </pre>
 */
public final class McpToolsAgent {
  /** The mock calls both tools in its first answer, then answers with their results. */
  static final String CONFIG =
      """
      {"provider": "mock", "override_params": {"mock_script": [
        {"tool_calls": [{"name": "travel__weather", "arguments": {"city": "Paris"}},
                        {"name": "travel__time", "arguments": {"zone": "Europe/Paris"}}]}]}}\
      """;

  static final String QUESTION = "What is the weather in Paris, and the time there?";

  interface Assistant {
    String chat(String question);
  }

  /**
   * What the agent did.
   *
   * @param tools the tools the gateway listed to LangChain4j's MCP client
   * @param answer the agent's answer, made of the tools' results
   */
  public record Outcome(List<String> tools, String answer) {}

  private McpToolsAgent() {}

  public static void main(String[] args) throws Exception {
    try (SwitchboardServer gateway = startGateway()) {
      Outcome outcome = run(gateway.baseUri().toString());
      System.out.println("tools at /mcp: " + outcome.tools());
      System.out.println("answer: " + outcome.answer());
    }
  }

  /** A gateway on a free loopback port that runs {@link TravelMcpServer} as the server travel. */
  static SwitchboardServer startGateway() throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode settings = json.createObjectNode();
    settings.put("server.port", 0);
    settings.put("logs.enabled", false);
    settings
        .putObject("mcp")
        .putObject("servers")
        .set("travel", json.valueToTree(TravelMcpServer.serverSettings()));
    SwitchboardServer gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(json.writeValueAsString(settings), Map.of(), Map.of()));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!gateway.mcp().states().get("travel").connected()) {
      if (System.nanoTime() > deadline) {
        gateway.close();
        throw new IllegalStateException("the travel MCP server did not start within 60 s");
      }
      Thread.sleep(50);
    }
    return gateway;
  }

  /** Asks the agent {@link #QUESTION}, its model and tools at the gateway {@code gatewayBase}. */
  public static Outcome run(String gatewayBase) throws Exception {
    try (McpClient tools =
        DefaultMcpClient.builder()
            .transport(StreamableHttpMcpTransport.builder().url(gatewayBase + "/mcp").build())
            .build()) {
      Assistant assistant =
          AiServices.builder(Assistant.class)
              .chatModel(
                  SwitchboardChatModel.builder()
                      .baseUrl(gatewayBase + "/v1")
                      .config(CONFIG)
                      .modelName("gpt-4o-mini")
                      .build())
              .toolProvider(McpToolProvider.builder().mcpClients(tools).build())
              .build();
      String answer = assistant.chat(QUESTION);
      return new Outcome(
          tools.listTools().stream().map(ToolSpecification::name).sorted().toList(), answer);
    }
  }
}
