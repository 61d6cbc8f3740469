package dev.switchboard.langchain4j;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;

/**
 * A real stdio MCP server, built with the MCP Java SDK, that the gateway runs in {@link
 * McpGatewayToolsTest}: tools {@code weather} and {@code time}, each taking one string.
 */
public final class TravelMcpServer {
  private TravelMcpServer() {}

  /** The command line that starts it: this JVM's java and class path, its log on stderr. */
  static List<String> commandLine() {
    return List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-Dlogback.configurationFile=mcp/logback-stderr.xml",
        "-cp",
        System.getProperty("java.class.path"),
        TravelMcpServer.class.getName());
  }

  public static void main(String[] args) throws InterruptedException {
    McpServer.sync(new StdioServerTransportProvider(McpJsonDefaults.getMapper()))
        .serverInfo("travel", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(
            tool("weather", "The weather in a city", "city", city -> "18C and sunny in " + city),
            tool("time", "The local time in a time zone", "zone", zone -> "14:05 in " + zone))
        .build();
    Thread.currentThread().join();
  }

  private static McpServerFeatures.SyncToolSpecification tool(
      String name,
      String description,
      String argument,
      java.util.function.Function<String, String> answer) {
    return new McpServerFeatures.SyncToolSpecification(
        McpSchema.Tool.builder(name)
            .description(description)
            .inputSchema(
                Map.of(
                    "type",
                    "object",
                    "properties",
                    Map.of(argument, Map.of("type", "string")),
                    "required",
                    List.of(argument)))
            .build(),
        (exchange, request) ->
            McpSchema.CallToolResult.builder()
                .content(
                    List.of(
                        new McpSchema.TextContent(
                            answer.apply(String.valueOf(request.arguments().get(argument))))))
                .isError(false)
                .build());
  }
}
