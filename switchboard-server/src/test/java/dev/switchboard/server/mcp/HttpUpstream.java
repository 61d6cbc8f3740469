package dev.switchboard.server.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Streamable HTTP MCP server, built with the MCP Java SDK on Jetty, on a loopback port: the
 * upstream the gateway fronts in the tests. It refuses (401) any request without {@code
 * Authorization: Bearer <token>}. Tools: {@code echo} (its {@code text}), {@code whoami} (says the
 * request carried the token, never the token), {@code hang} (blocks until released: the server can
 * be stopped under it). A prompt, {@code greet} (its {@code name} in a greeting), and two
 * resources, {@code memo://public} and {@code memo://secret} (whose text says "classified").
 */
final class HttpUpstream implements AutoCloseable {
  final CountDownLatch hanging = new CountDownLatch(1);
  final CountDownLatch release = new CountDownLatch(1);
  private final Server jetty = new Server();
  private final ServerConnector connector = new ServerConnector(jetty);
  private final McpSyncServer mcp;

  HttpUpstream(String token) throws Exception {
    this(token, List.of(), roots -> {});
  }

  /**
   * A server with {@code more} tools beside its own, that tells {@code rootsChanged} the roots it
   * lists when a client says they changed ({@code notifications/roots/list_changed}).
   */
  HttpUpstream(
      String token,
      List<McpServerFeatures.SyncToolSpecification> more,
      Consumer<List<McpSchema.Root>> rootsChanged)
      throws Exception {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .mcpEndpoint("/mcp")
            .build();
    Map<String, Object> textSchema =
        Map.of(
            "type",
            "object",
            "properties",
            Map.of("text", Map.of("type", "string")),
            "required",
            List.of("text"));
    Map<String, Object> noArguments = Map.of("type", "object");
    mcp =
        McpServer.sync(transport)
            .serverInfo("web-upstream", "1.0.0")
            .capabilities(
                McpSchema.ServerCapabilities.builder()
                    .tools(true)
                    .prompts(true)
                    .resources(false, true)
                    .build())
            .prompts(
                new McpServerFeatures.SyncPromptSpecification(
                    new McpSchema.Prompt(
                        "greet",
                        "Greets someone.",
                        List.of(new McpSchema.PromptArgument("name", "Who", true))),
                    (exchange, request) ->
                        new McpSchema.GetPromptResult(
                            "A greeting",
                            List.of(
                                new McpSchema.PromptMessage(
                                    McpSchema.Role.USER,
                                    new McpSchema.TextContent(
                                        "Hello, " + request.arguments().get("name") + "."))))))
            .resources(
                memo("memo://public", "the public memo"), memo("memo://secret", "classified plans"))
            .tools(
                new McpServerFeatures.SyncToolSpecification(
                    McpSchema.Tool.builder("echo")
                        .description("Echoes its text.")
                        .inputSchema(textSchema)
                        .build(),
                    (exchange, request) -> text("echo: " + request.arguments().get("text"))),
                new McpServerFeatures.SyncToolSpecification(
                    McpSchema.Tool.builder("whoami")
                        .description("Says whether the request was authorized.")
                        .inputSchema(noArguments)
                        .build(),
                    (exchange, request) -> text("authorized")),
                new McpServerFeatures.SyncToolSpecification(
                    McpSchema.Tool.builder("hang")
                        .description("Never answers.")
                        .inputSchema(noArguments)
                        .build(),
                    (exchange, request) -> {
                      hanging.countDown();
                      try {
                        release.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      return text("released");
                    }))
            .tools(more)
            .rootsChangeHandler((exchange, roots) -> rootsChanged.accept(roots))
            .build();
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder holder = new ServletHolder(transport);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/mcp");
    FilterHolder bearer =
        new FilterHolder(
            (jakarta.servlet.Filter)
                (request, response, chain) -> {
                  String presented =
                      ((jakarta.servlet.http.HttpServletRequest) request)
                          .getHeader("Authorization");
                  if (!("Bearer " + token).equals(presented)) {
                    ((HttpServletResponse) response).sendError(401);
                    return;
                  }
                  chain.doFilter(request, response);
                });
    bearer.setAsyncSupported(true);
    context.addFilter(bearer, "/*", EnumSet.of(DispatcherType.REQUEST));
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    jetty.setHandler(context);
    jetty.start();
  }

  private static McpServerFeatures.SyncResourceSpecification memo(String uri, String text) {
    return new McpServerFeatures.SyncResourceSpecification(
        McpSchema.Resource.builder(uri, uri.substring("memo://".length()))
            .mimeType("text/plain")
            .build(),
        (exchange, request) ->
            new McpSchema.ReadResourceResult(
                List.of(new McpSchema.TextResourceContents(uri, "text/plain", text))));
  }

  static McpSchema.CallToolResult text(String text) {
    return McpSchema.CallToolResult.builder()
        .content(List.of(new McpSchema.TextContent(text)))
        .isError(false)
        .build();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/mcp");
  }

  /**
   * Dies as a server process does: its listening socket and every open connection are closed at
   * once, the calls in flight are never answered.
   */
  void kill() throws Exception {
    connector.stop();
  }

  @Override
  public void close() throws Exception {
    release.countDown();
    mcp.close();
    jetty.stop();
  }
}
