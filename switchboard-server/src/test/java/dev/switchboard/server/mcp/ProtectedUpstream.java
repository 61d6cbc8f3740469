package dev.switchboard.server.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Streamable HTTP MCP server (the MCP Java SDK on Jetty, loopback) that is an OAuth 2.1
 * protected resource as the MCP authorization specification describes: a request without a valid
 * bearer token for this resource is refused with 401 and {@code WWW-Authenticate: Bearer
 * resource_metadata="…"}, and its protected resource metadata (RFC 9728) names the {@link
 * FakeAuthorizationServer}. Its tool {@code whoami} says whose token the call carried.
 */
final class ProtectedUpstream implements AutoCloseable {
  private final Server jetty = new Server();
  private final ServerConnector connector = new ServerConnector(jetty);
  private final McpSyncServer mcp;

  /** Requests refused for want of a valid token. */
  final AtomicInteger refused = new AtomicInteger();

  ProtectedUpstream(FakeAuthorizationServer authorizationServer) throws Exception {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(McpJsonDefaults.getMapper())
            .mcpEndpoint("/mcp")
            .contextExtractor(request ->
                McpTransportContext.create(
                    Map.of("subject", String.valueOf(request.getAttribute("subject")))))
            .build();
    mcp =
        McpServer.sync(transport)
            .serverInfo("protected-upstream", "1.0.0")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
            .tools(
                new McpServerFeatures.SyncToolSpecification(
                    McpSchema.Tool.builder("whoami")
                        .description("Says whose token the call carried.")
                        .inputSchema(Map.of("type", "object"))
                        .build(),
                    (exchange, request) ->
                        McpSchema.CallToolResult.builder()
                            .content(
                                List.of(
                                    new McpSchema.TextContent(
                                        "you are " + exchange.transportContext().get("subject"))))
                            .isError(false)
                            .build()))
            .build();
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder holder = new ServletHolder(transport);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/mcp");
    context.addServlet(
        new ServletHolder(
            new HttpServlet() {
              @Override
              protected void doGet(HttpServletRequest request, HttpServletResponse response)
                  throws IOException {
                response.setContentType("application/json");
                response
                    .getWriter()
                    .write(
                        """
                        {"resource": "%s", "authorization_servers": ["%s"],
                         "scopes_supported": ["tools"], "bearer_methods_supported": ["header"]}\
                        """
                            .formatted(url(), authorizationServer.issuer()));
              }
            }),
        "/.well-known/oauth-protected-resource/mcp");
    FilterHolder bearer =
        new FilterHolder(
            (jakarta.servlet.Filter)
                (request, response, chain) -> {
                  String presented = ((HttpServletRequest) request).getHeader("Authorization");
                  Optional<String> subject =
                      presented != null && presented.startsWith("Bearer ")
                          ? authorizationServer.subjectOf(
                              presented.substring("Bearer ".length()), url().toString())
                          : Optional.empty();
                  if (subject.isEmpty()) {
                    refused.incrementAndGet();
                    HttpServletResponse answer = (HttpServletResponse) response;
                    answer.setHeader(
                        "WWW-Authenticate",
                        "Bearer resource_metadata=\""
                            + origin()
                            + "/.well-known/oauth-protected-resource/mcp\""
                            + (presented == null ? "" : ", error=\"invalid_token\""));
                    answer.sendError(401);
                    return;
                  }
                  request.setAttribute("subject", subject.get());
                  chain.doFilter(request, response);
                });
    bearer.setAsyncSupported(true);
    context.addFilter(bearer, "/mcp", EnumSet.of(DispatcherType.REQUEST));
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    jetty.setHandler(context);
    jetty.start();
  }

  private String origin() {
    return "http://127.0.0.1:" + connector.getLocalPort();
  }

  URI url() {
    return URI.create(origin() + "/mcp");
  }

  @Override
  public void close() throws Exception {
    mcp.close();
    jetty.stop();
  }
}
