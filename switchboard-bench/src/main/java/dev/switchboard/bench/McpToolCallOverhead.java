package dev.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What the MCP gateway adds to a tool call: the same {@code tools/call} of an {@code echo} tool
 * sent by the MCP Java SDK's client straight to an upstream server (the Java SDK's Streamable HTTP
 * server on Jetty) and through the gateway's {@code /mcp} in front of it (its request log on, keys
 * not required). One thread; the upstream, the gateway and the clients share this JVM, each on
 * loopback. Not a test: it prints a Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.McpToolCallOverhead
 * [warm-up calls] [measured calls]</pre>
 */
public final class McpToolCallOverhead {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where results go, so that the calls' work cannot be optimised away. */
  private static volatile int blackhole;

  private McpToolCallOverhead() {}

  public static void main(String[] args) throws Exception {
    int warmup = LatencyHarness.count(args, 0, 5_000);
    int measured = LatencyHarness.count(args, 1, 5_000);
    LatencyHarness.printSetup(warmup, measured);
    System.out.println("| path | " + LatencyHarness.MICROSECONDS_HEADER + " |");
    System.out.println("| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");

    Server upstream = new Server();
    ServerConnector connector = new ServerConnector(upstream);
    connector.setHost("127.0.0.1");
    upstream.addConnector(connector);
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .mcpEndpoint("/mcp")
            .build();
    McpSyncServer echo =
        McpServer.sync(transport)
            .serverInfo("echo", "1.0.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
            .tools(
                new McpServerFeatures.SyncToolSpecification(
                    McpSchema.Tool.builder("echo")
                        .description("Echoes its text.")
                        .inputSchema(Map.of("type", "object"))
                        .build(),
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .content(
                                List.of(
                                    new McpSchema.TextContent(
                                        String.valueOf(request.arguments().get("text")))))
                            .isError(false)
                            .build()))
            .build();
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder holder = new ServletHolder(transport);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/mcp");
    upstream.setHandler(context);
    upstream.start();
    String upstreamBase = "http://127.0.0.1:" + connector.getLocalPort();

    Path logs = Files.createTempDirectory("mcp-bench-logs");
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("access.enabled", false);
    settings.put("responses.enabled", false);
    settings.put("logs.directory", logs.toString());
    settings
        .putObject("mcp")
        .putObject("servers")
        .putObject("up")
        .put("url", upstreamBase + "/mcp");
    try (SwitchboardServer gateway =
            SwitchboardServer.start(
                SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
        McpSyncClient direct = client(upstreamBase, "/mcp");
        McpSyncClient proxied = client(gateway.baseUri().toString(), "/mcp")) {
      while (!gateway.mcp().states().get("up").connected()) {
        Thread.sleep(20);
      }
      report("direct: SDK client → upstream", time(direct, "echo", warmup, measured));
      report(
          "proxied: SDK client → gateway `/mcp` → upstream",
          time(proxied, "up__echo", warmup, measured));
    } finally {
      echo.close();
      upstream.stop();
    }
    // The SDK's Streamable HTTP transports leave their session sweepers' (non-daemon) threads on.
    System.exit(0);
  }

  private static McpSyncClient client(String base, String endpoint) {
    McpSyncClient client =
        McpClient.sync(HttpClientStreamableHttpTransport.builder(base).endpoint(endpoint).build())
            .build();
    client.initialize();
    return client;
  }

  private static Latencies time(McpSyncClient client, String tool, int warmup, int measured) {
    int[] sink = {0};
    McpSchema.CallToolRequest request = new McpSchema.CallToolRequest(tool, Map.of("text", "ping"));
    Latencies latencies =
        LatencyHarness.measure(
            warmup, measured, i -> sink[0] += client.callTool(request).content().hashCode());
    blackhole = sink[0];
    return latencies;
  }

  private static void report(String path, Latencies latencies) {
    System.out.println("| " + path + " | " + LatencyHarness.microseconds(latencies) + " |");
  }
}
