package dev.switchboard.testkit;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A small MCP server over stdio, built with the MCP Java SDK (a real server, not a fake of one):
 * tools {@code weather} ({@code city}: {@code "18C and sunny in <city>"}) and {@code time} ({@code
 * zone}: {@code "14:05 in <zone>"}), each taking one string. A gateway declares it as a stdio
 * server whose command is {@link #commandLine()} ({@link #serverSettings()}), and fronts it at
 * {@code /mcp} as {@code travel__weather} and {@code travel__time} when named {@code travel}: the
 * example agent {@code McpToolsAgent} and the LangChain4j and Spring AI integrations' MCP tests run
 * it so. Its log goes to standard error, since standard output carries MCP.
 *
 * <p>Needs the MCP Java SDK ({@code io.modelcontextprotocol.sdk:mcp-core} and {@code
 * mcp-json-jackson2}) on the class path, an optional dependency of the test kit: a module that
 * depends on the gateway's server has it.
 */
public final class TravelMcpServer {
  private TravelMcpServer() {}

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

  /**
   * The command that starts it: this JVM's {@code java} with the class path of the class loader
   * that loaded it (under {@code exec:java} not the JVM's), its log on standard error.
   */
  public static List<String> commandLine() {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Dlogback.configurationFile=dev/switchboard/testkit/travel-mcp-logback.xml");
    command.add("-cp");
    command.add(classPath());
    command.add(TravelMcpServer.class.getName());
    return command;
  }

  /**
   * Its entry in a gateway's settings, under {@code mcp.servers.<name>}: {@code {"command": java,
   * "args": [...]}} from {@link #commandLine()}, as a settings file declares a stdio server.
   */
  public static Map<String, Object> serverSettings() {
    List<String> command = commandLine();
    return Map.of("command", command.get(0), "args", command.subList(1, command.size()));
  }

  private static String classPath() {
    if (TravelMcpServer.class.getClassLoader() instanceof URLClassLoader loader
        && loader.getURLs().length > 0) {
      List<String> entries = new ArrayList<>();
      for (URL url : loader.getURLs()) {
        try {
          entries.add(Path.of(url.toURI()).toString());
        } catch (URISyntaxException | IllegalArgumentException notAFile) {
          // not a local file: not needed by the server
        }
      }
      return String.join(File.pathSeparator, entries);
    }
    return System.getProperty("java.class.path");
  }

  private static McpServerFeatures.SyncToolSpecification tool(
      String name, String description, String argument, Function<String, String> answer) {
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
