package dev.switchboard.mcp;

import dev.switchboard.engine.guardrails.ToolCallGuardrails;
import dev.switchboard.engine.observe.RecordSink;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MCP gateway: one governed endpoint in front of the upstream MCP servers of the settings file.
 * {@code /mcp} serves the union of every server's tools under namespaced names ({@code
 * <server>__<tool>}) and their prompts the same way, and their resources under their own URIs;
 * {@code /mcp/<server>} serves one server's under their own names. Both speak Streamable HTTP
 * through the MCP Java SDK's server transport, whose servlets {@link #handler()} holds for the
 * gateway's route table to hand requests to. A tool is listed and callable only for a caller whose
 * scope ({@link McpCaller}, put on the request by the server) names it, and only while it matches
 * its approved pin ({@link ToolPins}); every call is a row in the request log.
 */
public final class McpGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(McpGateway.class);

  /** The path of the aggregated endpoint; a server's is this, a slash and its name. */
  public static final String PATH = "/mcp";

  private final McpSettings settings;
  private final McpJsonMapper json = McpJsonDefaults.getMapper();
  private final ServletContextHandler servlets = new ServletContextHandler();
  private final Endpoint aggregate;
  private final Map<String, Endpoint> perServer = new LinkedHashMap<>();
  private final Map<String, Upstream> upstreams = new LinkedHashMap<>();
  private final ToolPins pins;
  private final ToolCalls calls;

  /** The calls being relayed: progress, cancellation and server requests find their client. */
  private final CallsInFlight inFlight = new CallsInFlight();

  /** Where the sessions every gateway of a set knows are kept (none: this gateway's only). */
  private final SessionDirectory directory;

  /** Each endpoint's transport, by its path: where a session opened elsewhere is opened again. */
  private final Map<String, jakarta.servlet.http.HttpServlet> transports =
      new ConcurrentHashMap<>();

  private final SharedSessions sessions;

  /** One Streamable HTTP endpoint: an SDK server on its own transport. */
  private record Endpoint(
      String path,
      String server,
      HttpServletStreamableServerTransportProvider transport,
      McpSyncServer mcp,
      Set<String> tools,
      Set<String> prompts,
      Set<String> resources) {}

  private McpGateway(
      McpSettings settings,
      Function<String, String> credentials,
      List<RecordSink> sinks,
      ToolCallGuardrails guardrails,
      ToolCallLimiter limiter) {
    this.settings = settings;
    this.pins = new ToolPins(settings.pinsFile());
    this.calls =
        new ToolCalls(sinks, Clock.systemUTC(), settings.policies(), guardrails, limiter, json);
    this.directory =
        settings.sessionStore() == null
            ? SessionDirectory.NONE
            : SessionDirectory.redis(settings.sessionStore(), settings.sessionTimeout());
    this.sessions = new SharedSessions(directory, transports, settings.sessionTimeout());
    // First: the filters after it and the SDK see this gateway's own id of the session.
    FilterHolder sharedSessions = new FilterHolder(sessions);
    sharedSessions.setAsyncSupported(true);
    servlets.addFilter(sharedSessions, "/*", EnumSet.of(DispatcherType.REQUEST));
    FilterHolder clientMessages = new FilterHolder(new ClientMessages(inFlight));
    clientMessages.setAsyncSupported(true);
    servlets.addFilter(clientMessages, "/*", EnumSet.of(DispatcherType.REQUEST));
    this.aggregate = endpoint(PATH, null);
    for (UpstreamServer server : settings.servers()) {
      perServer.put(server.name(), endpoint(PATH + "/" + server.name(), server.name()));
      upstreams.put(
          server.name(),
          new Upstream(server, json, credentials, settings.callTimeout(), new Listener()));
    }
  }

  /**
   * Builds the gateway and starts connecting to its upstream servers (in the background: a server
   * that is down at start is connected to once it is up).
   *
   * @param credentials a virtual key's credential by its name ({@code workspace/slug} or {@code
   *     slug}), decrypted for each upstream request; throws when it is not available
   * @param sinks where each tool call's record goes (the request log, metrics, traces)
   */
  public static McpGateway start(
      McpSettings settings, Function<String, String> credentials, List<RecordSink> sinks) {
    return start(settings, credentials, sinks, null, ToolCallLimiter.NONE);
  }

  /**
   * Builds the gateway, its tool calls governed by {@code settings.policies()}.
   *
   * @param guardrails runs the policies' hooks (the engine's, {@code
   *     Gateway.toolCallGuardrails()}); {@code null} only when no policy sets hooks
   * @param limiter holds calls to the policies' rate limits (the access layer's limiter)
   * @throws IllegalArgumentException when the policies set hooks and no guardrails are given
   */
  public static McpGateway start(
      McpSettings settings,
      Function<String, String> credentials,
      List<RecordSink> sinks,
      ToolCallGuardrails guardrails,
      ToolCallLimiter limiter) {
    if (guardrails == null && settings.policies().guardsCalls()) {
      throw new IllegalArgumentException(
          "mcp guardrails need the gateway's guardrails to run them");
    }
    McpGateway gateway = new McpGateway(settings, credentials, sinks, guardrails, limiter);
    gateway.upstreams.values().forEach(Upstream::start);
    return gateway;
  }

  private Endpoint endpoint(String path, String server) {
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(json)
            .mcpEndpoint(path)
            .sessionSweepInterval(settings.sessionTimeout())
            .contextExtractor(request -> {
              Object caller = request.getAttribute(McpCaller.ATTRIBUTE);
              return McpTransportContext.create(
                  Map.of(
                      McpCaller.ATTRIBUTE,
                      caller instanceof McpCaller known ? known : McpCaller.ANONYMOUS));
            })
            .build();
    String[] owner = {server};
    McpSyncServer mcp =
        McpServer.sync(transport)
            .serverInfo("switchboard" + (server == null ? "" : "-" + server), "0.1.0")
            .capabilities(
                McpSchema.ServerCapabilities.builder()
                    .tools(true)
                    .prompts(true)
                    .resources(false, true)
                    .build())
            .addToolFilter((context, tool) -> {
              String serverName = owner[0] == null ? ToolNames.server(tool.name()) : owner[0];
              String toolName = owner[0] == null ? ToolNames.tool(tool.name()) : tool.name();
              return caller(context).allows(serverName, toolName);
            })
            .build();
    ServletHolder holder = new ServletHolder(transport);
    holder.setAsyncSupported(true);
    servlets.addServlet(holder, path);
    transports.put(path, transport);
    return new Endpoint(
        path,
        server,
        transport,
        mcp,
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet(),
        ConcurrentHashMap.newKeySet());
  }

  /**
   * The Jetty handler that serves {@code /mcp} and {@code /mcp/<server>} (the servlets of the SDK's
   * transport): the server's route handler passes it requests of those paths, their caller set as
   * {@link McpCaller#ATTRIBUTE}.
   */
  public Handler handler() {
    return servlets;
  }

  /** The names of the declared servers. */
  public Set<String> servers() {
    return upstreams.keySet();
  }

  /** Whether {@code server} is declared. */
  public boolean serves(String server) {
    return upstreams.containsKey(server);
  }

  /** The state of each upstream server: connected, and how many times it was connected again. */
  public Map<String, ServerState> states() {
    Map<String, ServerState> states = new LinkedHashMap<>();
    upstreams.forEach((name, upstream) ->
        states.put(
            name,
            new ServerState(
                name,
                upstream.server() instanceof UpstreamServer.Stdio ? "stdio" : "http",
                upstream.connected(),
                upstream.restarts())));
    return states;
  }

  /** An upstream server's state, as the admin API shows it. */
  public record ServerState(String name, String transport, boolean connected, int restarts) {}

  /** Every tool pin, the flagged (changed, hidden) ones with the hash last seen. */
  public List<ToolPins.Pin> pins() {
    return pins.all();
  }

  /**
   * Approves {@code tool} of {@code server} as it is now offered: it is listed and callable again.
   *
   * @return the pin, or {@code null} when no such tool was ever seen
   */
  public ToolPins.Pin approve(String server, String tool) {
    ToolPins.Pin pin = pins.approve(server, tool);
    Upstream upstream = upstreams.get(server);
    if (pin != null && upstream != null && upstream.connected()) {
      Upstream.Offer offer = lastOffers.get(server);
      if (offer != null) {
        publish(upstream, offer);
      }
    }
    return pin;
  }

  private final Map<String, Upstream.Offer> lastOffers = new ConcurrentHashMap<>();

  private final class Listener implements Upstream.Listener {
    @Override
    public void connected(Upstream upstream, Upstream.Offer offer) {
      lastOffers.put(upstream.name(), offer);
      publish(upstream, offer);
    }

    @Override
    public void disconnected(Upstream upstream) {
      // Its tools stay listed: a call fails cleanly until it is back, and a client's list does not
      // flicker with each restart.
    }

    @Override
    public void progress(McpSchema.ProgressNotification notification) {
      inFlight.progress(notification);
    }

    @Override
    public McpSchema.CreateMessageResult sampling(
        Upstream upstream, McpSchema.CreateMessageRequest request) {
      McpSyncServerExchange client = inFlight.clientOf(upstream.name(), "sampling");
      if (client.getClientCapabilities() == null
          || client.getClientCapabilities().sampling() == null) {
        throw notOffered("sampling");
      }
      return client.createMessage(request);
    }

    @Override
    public McpSchema.ElicitResult elicitation(
        Upstream upstream, McpSchema.ElicitFormRequest request) {
      McpSyncServerExchange client = inFlight.clientOf(upstream.name(), "elicitation");
      if (client.getClientCapabilities() == null
          || client.getClientCapabilities().elicitation() == null) {
        throw notOffered("elicitation");
      }
      return client.createElicitation(request);
    }
  }

  /** The answer to a server's request that the connected client does not offer. */
  private static McpError notOffered(String capability) {
    return McpError.builder(McpSchema.ErrorCodes.INVALID_REQUEST)
        .message("The connected client does not offer " + capability + ".")
        .build();
  }

  /** Lays a server's offer (its tools as pinned, its prompts and resources) on both endpoints. */
  private synchronized void publish(Upstream upstream, Upstream.Offer offer) {
    String server = upstream.name();
    List<McpSchema.Tool> visible = new ArrayList<>();
    for (McpSchema.Tool tool : offer.tools()) {
      if (pins.seen(server, tool)) {
        visible.add(tool);
      } else {
        log.warn(
            "MCP tool {} of server {} changed its description or schema: hidden until an operator"
                + " approves it (POST /v1/admin/mcp/tools/{}/{}/approve)",
            tool.name(),
            server,
            server,
            tool.name());
      }
    }
    Endpoint own = perServer.get(server);
    replaceTools(aggregate, server, visible, true);
    replaceTools(own, server, visible, false);
    replacePrompts(aggregate, server, offer.prompts(), true);
    replacePrompts(own, server, offer.prompts(), false);
    replaceResources(aggregate, server, offer.resources());
    replaceResources(own, server, offer.resources());
  }

  /**
   * The tools each endpoint lists, by {@code <path> <name>}: a server's offer made again (a
   * reconnection, a {@code tools/list_changed}) changes only the tools that changed, so that an
   * unchanged tool is never missing for a moment, and clients hear of a change only when there is
   * one.
   */
  private final Map<String, McpSchema.Tool> listedTools = new ConcurrentHashMap<>();

  private void replaceTools(
      Endpoint endpoint, String server, List<McpSchema.Tool> tools, boolean namespaced) {
    String prefix = namespaced ? ToolNames.namespaced(server, "") : "";
    Map<String, McpSchema.Tool> wanted = new LinkedHashMap<>();
    Map<String, String> upstreamNames = new LinkedHashMap<>();
    for (McpSchema.Tool tool : tools) {
      String name = namespaced ? ToolNames.namespaced(server, tool.name()) : tool.name();
      wanted.put(
          name,
          new McpSchema.Tool(
              name,
              tool.title(),
              tool.description(),
              tool.inputSchema(),
              tool.outputSchema(),
              tool.annotations(),
              tool.meta(),
              tool.icons()));
      upstreamNames.put(name, tool.name());
    }
    boolean changed = false;
    for (String name : List.copyOf(endpoint.tools())) {
      String key = endpoint.path() + " " + name;
      if (name.startsWith(prefix) && !Objects.equals(listedTools.get(key), wanted.get(name))) {
        endpoint.mcp().removeTool(name);
        endpoint.tools().remove(name);
        listedTools.remove(key);
        changed = true;
      }
    }
    for (Map.Entry<String, McpSchema.Tool> tool : wanted.entrySet()) {
      String name = tool.getKey();
      if (endpoint.tools().contains(name)) {
        continue;
      }
      String upstreamName = upstreamNames.get(name);
      endpoint
          .mcp()
          .addTool(
              new McpServerFeatures.SyncToolSpecification(
                  tool.getValue(),
                  (exchange, request) ->
                      call(endpoint.path(), server, upstreamName, exchange, request)));
      endpoint.tools().add(name);
      listedTools.put(endpoint.path() + " " + name, tool.getValue());
      changed = true;
    }
    if (changed) {
      endpoint.mcp().notifyToolsListChanged();
    }
  }

  private void replacePrompts(
      Endpoint endpoint, String server, List<McpSchema.Prompt> prompts, boolean namespaced) {
    String prefix = namespaced ? ToolNames.namespaced(server, "") : "";
    for (String name : List.copyOf(endpoint.prompts())) {
      if (name.startsWith(prefix)) {
        endpoint.mcp().removePrompt(name);
        endpoint.prompts().remove(name);
      }
    }
    for (McpSchema.Prompt prompt : prompts) {
      String name = namespaced ? ToolNames.namespaced(server, prompt.name()) : prompt.name();
      McpSchema.Prompt listed =
          new McpSchema.Prompt(name, prompt.title(), prompt.description(), prompt.arguments());
      endpoint
          .mcp()
          .addPrompt(
              new McpServerFeatures.SyncPromptSpecification(
                  listed,
                  (exchange, request) ->
                      upstreams
                          .get(server)
                          .call(client ->
                              client.getPrompt(
                                  new McpSchema.GetPromptRequest(
                                      prompt.name(), request.arguments())))));
      endpoint.prompts().add(name);
    }
    endpoint.mcp().notifyPromptsListChanged();
  }

  /** Resources keep their URIs (a URI names its server already); the first server's wins. */
  private void replaceResources(
      Endpoint endpoint, String server, List<McpSchema.Resource> resources) {
    String owned = server + " ";
    for (String entry : List.copyOf(endpoint.resources())) {
      if (entry.startsWith(owned)) {
        endpoint.mcp().removeResource(entry.substring(owned.length()));
        endpoint.resources().remove(entry);
      }
    }
    for (McpSchema.Resource resource : resources) {
      boolean taken =
          endpoint.resources().stream().anyMatch(entry -> entry.endsWith(" " + resource.uri()));
      if (taken) {
        continue;
      }
      endpoint
          .mcp()
          .addResource(
              new McpServerFeatures.SyncResourceSpecification(
                  resource,
                  (exchange, request) ->
                      upstreams.get(server).call(client -> client.readResource(request))));
      endpoint.resources().add(owned + resource.uri());
    }
    endpoint.mcp().notifyResourcesListChanged();
  }

  /** A tools/call: checked against the caller's scope, relayed to its server, recorded. */
  private McpSchema.CallToolResult call(
      String path,
      String server,
      String tool,
      McpSyncServerExchange exchange,
      McpSchema.CallToolRequest request) {
    McpCaller caller = caller(exchange.transportContext());
    ToolCalls.Call call =
        calls.start(path, server, tool, caller, sessions.clientId(exchange.sessionId()), request);
    if (!caller.allows(server, tool)) {
      McpError refused = unknownTool(request.name());
      call.refused(refused);
      throw refused;
    }
    try (CallsInFlight.Call relayed = inFlight.start(server, exchange, request)) {
      // The arguments as the input hooks left them (a redaction rewrites them).
      return call.run(
          request.arguments(),
          arguments -> {
            Upstream.ToolCall upstreamCall =
                upstreams
                    .get(server)
                    .callTool(
                        relayed.upstreamRequest(
                            tool,
                            new McpSchema.CallToolRequest(
                                request.name(), arguments, request.meta())));
            relayed.relayedAs(upstreamCall);
            return upstreamCall.await();
          });
    } catch (McpError failed) {
      call.failed(failed);
      throw failed;
    }
  }

  /**
   * The answer to a tool the caller may not call: the same as to a tool that does not exist, so
   * that a key cannot probe for tools outside its scope.
   */
  static McpError unknownTool(String name) {
    return McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
        .message("Unknown tool: " + name)
        .build();
  }

  private static McpCaller caller(McpTransportContext context) {
    Object caller = context == null ? null : context.get(McpCaller.ATTRIBUTE);
    return caller instanceof McpCaller known ? known : McpCaller.ANONYMOUS;
  }

  @Override
  public void close() {
    directory.close();
    upstreams.values().forEach(Upstream::close);
    List<Endpoint> endpoints = new ArrayList<>(perServer.values());
    endpoints.add(aggregate);
    for (Endpoint endpoint : endpoints) {
      try {
        endpoint.mcp().closeGracefully();
      } catch (RuntimeException e) {
        log.debug("an MCP endpoint did not close cleanly: {}", e.toString());
      }
    }
  }
}
