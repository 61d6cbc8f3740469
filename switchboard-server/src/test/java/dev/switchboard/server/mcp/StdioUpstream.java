package dev.switchboard.server.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;

/**
 * A real stdio MCP server, built with the MCP Java SDK, that the gateway starts as a process (this
 * class's {@code main}, on the test JVM's java and class path). Tools: {@code add} ({@code a + b})
 * and {@code crash} (the process exits mid-call, as a crashing server does). It writes a line to
 * its standard error when it starts, which the gateway puts in its log.
 */
public final class StdioUpstream {
  private StdioUpstream() {}

  /** The command line that starts it: the running JVM's java, its class path, this class. */
  static List<String> commandLine() {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(
        java,
        "-Dlogback.configurationFile=mcp/logback-stderr.xml",
        "-cp",
        System.getProperty("java.class.path"),
        StdioUpstream.class.getName());
  }

  public static void main(String[] args) throws InterruptedException {
    System.err.println("calc upstream started");
    Map<String, Object> numbers =
        Map.of(
            "type",
            "object",
            "properties",
            Map.of("a", Map.of("type", "number"), "b", Map.of("type", "number")),
            "required",
            List.of("a", "b"));
    McpServer.sync(new StdioServerTransportProvider(McpJsonDefaults.getMapper()))
        .serverInfo("calc-upstream", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(
            new McpServerFeatures.SyncToolSpecification(
                McpSchema.Tool.builder("add")
                    .description("Adds a and b.")
                    .inputSchema(numbers)
                    .build(),
                (exchange, request) -> {
                  double sum =
                      ((Number) request.arguments().get("a")).doubleValue()
                          + ((Number) request.arguments().get("b")).doubleValue();
                  return McpSchema.CallToolResult.builder()
                      .content(List.of(new McpSchema.TextContent(String.valueOf(sum))))
                      .isError(false)
                      .build();
                }),
            new McpServerFeatures.SyncToolSpecification(
                McpSchema.Tool.builder("crash")
                    .description("Exits the process.")
                    .inputSchema(Map.of("type", "object"))
                    .build(),
                (exchange, request) -> {
                  Runtime.getRuntime().halt(3);
                  return null;
                }))
        .build();
    Thread.currentThread().join();
  }
}
