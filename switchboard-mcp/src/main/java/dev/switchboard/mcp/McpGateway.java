package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.guardrails.ToolCallGuardrails;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.mcp.oauth.BearerSource;
import dev.switchboard.mcp.oauth.UpstreamAuthorization;
import dev.switchboard.mcp.oauth.UpstreamTokenStore;
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
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
 * The MCP gateway: one governed endpoint in front of the upstream MCP servers of the settings file
 * and those declared through the admin API ({@link #declare}: Streamable HTTP servers only). {@code
 * /mcp} serves the union of every server's tools under namespaced names ({@code <server>__<tool>})
 * and their prompts the same way, and their resources under their own URIs; {@code /mcp/<server>}
 * serves one server's under their own names. Both speak Streamable HTTP through the MCP Java SDK's
 * server transport, whose servlets {@link #handler()} holds for the gateway's route table to hand
 * requests to. A tool is listed and callable only for a caller whose scope ({@link McpCaller}, put
 * on the request by the server) names it, and only while it matches its approved pin ({@link
 * ToolPins}); every call is a row in the request log.
 */
public final class McpGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(McpGateway.class);

  /** The path of the aggregated endpoint; a server's is this, a slash and its name. */
  public static final String PATH = "/mcp";

  private final McpSettings settings;
  private final McpJsonMapper json = McpJsonDefaults.getMapper();
  private final ServletContextHandler servlets = new ServletContextHandler();
  private final Endpoint aggregate;
  private final Map<String, Endpoint> perServer = new ConcurrentHashMap<>();

  /** Every server's connection, in the order declared; iterated while holding it. */
  private final Map<String, Upstream> upstreams =
      Collections.synchronizedMap(new LinkedHashMap<>());

  private final ToolPins pins;
  private final ToolCalls calls;
  private final Function<String, String> credentials;
  private final boolean canGuard;
  private final boolean canLimit;

  /** The servers declared through the admin API, as last applied ({@link #declare}). */
  private final Map<String, JsonNode> declarations = new LinkedHashMap<>();

  private final Map<String, ToolPolicies.Server> declaredPolicies = new LinkedHashMap<>();

  /** OAuth toward the servers that require it; per-user servers' sessions, one per caller. */
  private final UpstreamAuthorization authorization;

  private final Map<String, Upstream> perUserUpstreams = new ConcurrentHashMap<>();
  private final UpstreamTokenStore tokens;

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
      ToolCallLimiter limiter,
      UpstreamTokenStore tokens) {
    this.settings = settings;
    this.credentials = credentials;
    this.canGuard = guardrails != null;
    this.canLimit = limiter != ToolCallLimiter.NONE;
    this.tokens = tokens;
    this.authorization = new UpstreamAuthorization(tokens, credentials, Clock.systemUTC());
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
    FilterHolder clientMessages =
        new FilterHolder(new ClientMessages(inFlight, this::rootsChanged));
    clientMessages.setAsyncSupported(true);
    servlets.addFilter(clientMessages, "/*", EnumSet.of(DispatcherType.REQUEST));
    // One servlet for every endpoint, so that servers come and go while the gateway runs.
    ServletHolder endpoints = new ServletHolder(new Endpoints());
    endpoints.setAsyncSupported(true);
    servlets.addServlet(endpoints, PATH + "/*");
    FilterHolder listings = new FilterHolder(new Listings(calls));
    listings.setAsyncSupported(true);
    servlets.addFilter(listings, "/*", EnumSet.of(DispatcherType.REQUEST));
    this.aggregate = endpoint(PATH, null);
    for (UpstreamServer server : settings.servers()) {
      add(server, () -> {});
      if (server instanceof UpstreamServer.Http http && http.perUser()) {
        addAuthorizeTool(aggregate, http.name(), true);
        addAuthorizeTool(perServer.get(http.name()), http.name(), false);
      }
    }
  }

  /** Hands each request to its endpoint's transport: {@code /mcp}, or {@code /mcp/<server>}. */
  private final class Endpoints extends HttpServlet {
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
        throws ServletException, IOException {
      String rest = request.getPathInfo() == null ? "" : request.getPathInfo().replace("/", "");
      Endpoint endpoint = rest.isEmpty() ? aggregate : perServer.get(rest);
      if (endpoint == null) {
        response.sendError(HttpServletResponse.SC_NOT_FOUND);
        return;
      }
      endpoint.transport().service((ServletRequest) request, (ServletResponse) response);
    }
  }

  /** Adds a server's endpoint and connection (not yet started). */
  private Upstream add(UpstreamServer server, Runnable beforeConnect) {
    perServer.put(server.name(), endpoint(PATH + "/" + server.name(), server.name()));
    BearerSource bearer = null;
    if (server instanceof UpstreamServer.Http http && http.oauth() != null) {
      authorization.register(http.name(), http.url(), http.oauth());
      bearer = http.perUser() ? null : authorization.shared(http.name());
    }
    Upstream upstream =
        new Upstream(
            server,
            json,
            credentials,
            settings.callTimeout(),
            new Listener(),
            beforeConnect,
            bearer);
    upstreams.put(server.name(), upstream);
    return upstream;
  }

  /** The name of the tool a per-user server always lists: it gives the caller its link. */
  static final String AUTHORIZE_TOOL = "authorize";

  /**
   * A per-user server's tools are known only once a caller's own session lists them; until then,
   * and for every caller who has not authorized, {@code <server>__authorize} says where to go. Its
   * call by a caller who has authorized opens the caller's session, which lists the server's tools.
   */
  private void addAuthorizeTool(Endpoint endpoint, String server, boolean namespaced) {
    String name = namespaced ? ToolNames.namespaced(server, AUTHORIZE_TOOL) : AUTHORIZE_TOOL;
    endpoint
        .mcp()
        .addTool(
            new McpServerFeatures.SyncToolSpecification(
                McpSchema.Tool.builder(name)
                    .description(
                        "Authorize the gateway to call the MCP server '"
                            + server
                            + "' on your behalf: gives the link to sign in there, or says that"
                            + " you already did.")
                    .inputSchema(Map.of("type", "object"))
                    .build(),
                (exchange, request) -> {
                  String caller = caller(exchange.transportContext()).keyId();
                  if (caller == null) {
                    throw UpstreamAuthorizationErrors.needsKey(server);
                  }
                  String text;
                  Map<String, Object> meta = Map.of();
                  if (authorization.authorized(server, caller)) {
                    upstream(server, exchange.transportContext());
                    text = "The gateway may call the MCP server '" + server + "' on your behalf.";
                  } else {
                    var required = authorization.required(server, caller);
                    text = required.instructions();
                    meta = Map.of("dev.switchboard/authorization_url", required.link().toString());
                  }
                  return McpSchema.CallToolResult.builder()
                      .content(List.of(new McpSchema.TextContent(text)))
                      .isError(false)
                      .meta(meta)
                      .build();
                }));
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
    return start(settings, credentials, sinks, guardrails, limiter, UpstreamTokenStore.inMemory());
  }

  /**
   * Builds the gateway, the per-user upstream tokens kept in {@code tokens} (the server's are
   * sealed in the access layer's vault).
   *
   * @throws IllegalArgumentException when the policies set hooks and no guardrails are given
   */
  public static McpGateway start(
      McpSettings settings,
      Function<String, String> credentials,
      List<RecordSink> sinks,
      ToolCallGuardrails guardrails,
      ToolCallLimiter limiter,
      UpstreamTokenStore tokens) {
    if (guardrails == null && settings.policies().guardsCalls()) {
      throw new IllegalArgumentException(
          "mcp guardrails need the gateway's guardrails to run them");
    }
    McpGateway gateway = new McpGateway(settings, credentials, sinks, guardrails, limiter, tokens);
    // A per-user server has no session of the gateway's own: one per caller, made at its call.
    synchronized (gateway.upstreams) {
      gateway.upstreams.values().stream()
          .filter(upstream -> !gateway.perUser(upstream))
          .forEach(Upstream::start);
    }
    return gateway;
  }

  /**
   * OAuth toward the upstream servers that require it: the server's routes start and finish a
   * caller's authorization through it ({@code /v1/mcp/oauth/…}).
   */
  public UpstreamAuthorization authorization() {
    return authorization;
  }

  /**
   * Forgets {@code caller}'s token for a per-user {@code server} and closes its session there.
   *
   * @return whether it held a token
   */
  public boolean revokeAuthorization(String server, String caller) {
    Upstream session = perUserUpstreams.remove(server + " " + caller);
    if (session != null) {
      session.close();
    }
    return authorization.revoke(server, caller);
  }

  private boolean perUser(Upstream upstream) {
    return upstream.server() instanceof UpstreamServer.Http http && http.perUser();
  }

  /**
   * The session a call of {@code caller} goes through: the server's one, or for a per-user server
   * the caller's own (made at its first call, with its own token), never another caller's.
   *
   * @throws McpError naming the link to visit when the caller has not authorized the gateway
   */
  private Upstream upstream(String server, McpTransportContext context) {
    Upstream shared = upstream(server);
    if (!perUser(shared)) {
      return shared;
    }
    String caller = caller(context).keyId();
    if (caller == null) {
      throw UpstreamAuthorizationErrors.needsKey(server);
    }
    String key = server + " " + caller;
    if (!authorization.authorized(server, caller)) {
      Upstream stale = perUserUpstreams.remove(key);
      if (stale != null) {
        stale.close();
      }
      throw UpstreamAuthorizationErrors.required(authorization.required(server, caller));
    }
    Upstream session =
        perUserUpstreams.compute(
            key,
            (made, existing) -> {
              if (existing != null && !existing.isClosed()) {
                return existing;
              }
              Upstream created =
                  new Upstream(
                      shared.server(),
                      json,
                      credentials,
                      settings.callTimeout(),
                      new Listener(),
                      () -> {},
                      authorization.perUser(server, caller));
              created.start();
              return created;
            });
    session.awaitConnected(java.time.Duration.ofSeconds(30));
    return session;
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

  /** The names of the declared servers (the settings file's and the admin API's). */
  public Set<String> servers() {
    synchronized (upstreams) {
      return Collections.unmodifiableSet(new LinkedHashSet<>(upstreams.keySet()));
    }
  }

  /**
   * Whether {@code server} is a server of the settings file (which the admin API cannot change).
   */
  public boolean declaredInSettings(String server) {
    return settings.servers().stream().anyMatch(declared -> declared.name().equals(server));
  }

  /** Whether {@code server} is declared. */
  public boolean serves(String server) {
    return upstreams.containsKey(server);
  }

  /** The state of each upstream server: connected, and how many times it was connected again. */
  public Map<String, ServerState> states() {
    Map<String, ServerState> states = new LinkedHashMap<>();
    synchronized (upstreams) {
      upstreams.forEach((name, upstream) ->
          states.put(
              name,
              new ServerState(
                  name,
                  upstream.server() instanceof UpstreamServer.Stdio ? "stdio" : "http",
                  upstream.connected(),
                  upstream.restarts())));
    }
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
      synchronized (McpGateway.this) {
        Upstream declared = upstreams.get(upstream.name());
        // A per-user server's offer comes from a caller's own session, not from the declared one.
        if (declared != upstream && !(declared != null && perUser(declared))) {
          return; // removed (or replaced) meanwhile: its offer is not listed
        }
        lastOffers.put(upstream.name(), offer);
        publish(upstream, offer);
      }
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
    public void progressArrived(Object progressToken) {
      inFlight.progressArrived(progressToken);
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

    @Override
    public McpSchema.ListRootsResult roots(Upstream upstream) {
      McpSyncServerExchange client = inFlight.clientOf(upstream.name(), "roots/list");
      if (client.getClientCapabilities() == null
          || client.getClientCapabilities().roots() == null) {
        throw notOffered("roots");
      }
      return client.listRoots();
    }
  }

  /**
   * A client's roots changed: the servers behind its endpoint ({@code null}: every server) are
   * told, so that one that keeps a client's roots asks again (during a call, answered by its
   * client).
   */
  private void rootsChanged(String server) {
    List<Upstream> told = new ArrayList<>();
    synchronized (upstreams) {
      if (server == null) {
        told.addAll(upstreams.values());
      } else if (upstreams.containsKey(server)) {
        told.add(upstreams.get(server));
      }
    }
    Thread.ofVirtual().name("mcp-roots-changed").start(() -> told.forEach(Upstream::rootsChanged));
  }

  // ---- servers declared through the admin API

  /**
   * Checks a server to declare through the admin API (before it is stored): a Streamable HTTP
   * server whose URL the outbound rules allow, whose guardrails and rate limits this gateway can
   * enforce.
   *
   * @throws IllegalArgumentException naming what is wrong (a stdio server is refused here)
   * @throws dev.switchboard.engine.errors.InvalidRequestException when {@code guard} refuses its
   *     URL
   */
  public void checkDeclaration(String name, JsonNode declaration, OutboundGuard guard) {
    DeclaredServer declared = DeclaredServer.parse(name, declaration);
    guard.checkUrl(declared.server().url().toString(), "url");
    ToolPolicies policy = ToolPolicies.NONE.withServers(Map.of(name, declared.policy()));
    if (policy.guardsCalls() && !canGuard) {
      throw new IllegalArgumentException("guardrails need the gateway's guardrails to run them.");
    }
    if (policy.limitsCalls() && !canLimit) {
      throw new IllegalArgumentException(
          "rate-limit needs access.enabled: tool calls are limited by the access layer's rate"
              + " limiter.");
    }
  }

  /**
   * Makes the servers declared through the admin API {@code declared} (each its declaration, by
   * name): a new one is connected to, a changed one connected to again (or, when only its
   * guardrails or rate limits changed, governed by them), one no longer there disconnected and its
   * tools, prompts and resources removed; clients hear of it ({@code tools/list_changed}). A name
   * of the settings file's, or a declaration that is not valid here, is passed over with a WARN.
   *
   * @param guard the outbound rules each one's host is checked against before it is connected to
   */
  public synchronized void declare(Map<String, JsonNode> declared, OutboundGuard guard) {
    for (String name : List.copyOf(declarations.keySet())) {
      if (!declared.containsKey(name)) {
        remove(name);
        log.info("MCP server {} removed (declared through the admin API)", name);
      }
    }
    for (Map.Entry<String, JsonNode> entry : declared.entrySet()) {
      String name = entry.getKey();
      if (entry.getValue().equals(declarations.get(name))) {
        continue;
      }
      DeclaredServer server;
      try {
        if (declaredInSettings(name)) {
          throw new IllegalArgumentException("the settings file declares a server of that name");
        }
        server = DeclaredServer.parse(name, entry.getValue());
      } catch (IllegalArgumentException invalid) {
        log.warn(
            "MCP server {} declared through the admin API is not served: {}",
            name,
            invalid.getMessage());
        if (declarations.containsKey(name)) {
          remove(name);
        }
        continue;
      }
      Upstream running = declarations.containsKey(name) ? upstreams.get(name) : null;
      // A change of its guardrails or rate limits alone keeps its connection.
      boolean connect = running == null || !running.server().equals(server.server());
      if (connect && running != null) {
        remove(name);
      }
      declarations.put(name, entry.getValue());
      declaredPolicies.put(name, server.policy());
      calls.policies(settings.policies().withServers(declaredPolicies));
      if (connect) {
        URI url = server.server().url();
        add(server.server(), () -> DeclaredServer.checkReachable(guard, url)).start();
        log.info("MCP server {} declared through the admin API: connecting", name);
      }
    }
  }

  /** Disconnects a server declared through the admin API and takes away what it offered. */
  private void remove(String name) {
    if (declaredInSettings(name)) {
      return; // never through the admin API
    }
    declarations.remove(name);
    if (declaredPolicies.remove(name) != null) {
      calls.policies(settings.policies().withServers(declaredPolicies));
    }
    Upstream upstream = upstreams.remove(name);
    if (upstream == null) {
      return;
    }
    upstream.close();
    lastOffers.remove(name);
    replaceTools(aggregate, name, List.of(), true);
    replacePrompts(aggregate, name, List.of(), true);
    replaceResources(aggregate, name, List.of());
    Endpoint own = perServer.remove(name);
    if (own != null) {
      transports.remove(own.path());
      listedTools.keySet().removeIf(key -> key.startsWith(own.path() + " "));
      closeQuietly(own);
    }
  }

  /** A server's connection, or an MCP error when it is no longer declared. */
  private Upstream upstream(String server) {
    Upstream upstream = upstreams.get(server);
    if (upstream == null) {
      throw McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR)
          .message("The MCP server '" + server + "' is no longer declared.")
          .build();
    }
    return upstream;
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
                      prompt(endpoint.path(), server, prompt.name(), exchange, request)));
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
                  (exchange, request) -> read(endpoint.path(), server, exchange, request)));
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
    CallsInFlight.Call relayed = inFlight.start(server, exchange, request);
    try {
      // The arguments as the input hooks left them (a redaction rewrites them).
      return call.run(
          request.arguments(),
          arguments -> {
            Upstream.ToolCall upstreamCall =
                upstream(server, exchange.transportContext())
                    .callTool(
                        relayed.upstreamRequest(
                            tool,
                            new McpSchema.CallToolRequest(
                                request.name(), arguments, request.meta())));
            relayed.relayedAs(upstreamCall);
            McpSchema.CallToolResult result = upstreamCall.await();
            relayed.awaitProgress();
            return result;
          });
    } catch (McpError failed) {
      if (relayed.cancelled()) {
        call.cancelled();
      } else {
        call.failed(failed);
      }
      throw failed;
    } finally {
      relayed.close();
    }
  }

  /** A prompts/get: governed by its policy, relayed to its server, recorded. */
  private McpSchema.GetPromptResult prompt(
      String path,
      String server,
      String prompt,
      McpSyncServerExchange exchange,
      McpSchema.GetPromptRequest request) {
    return calls
        .startPrompt(
            path,
            server,
            prompt,
            caller(exchange.transportContext()),
            exchange.sessionId(),
            request)
        .runPrompt(
            request.arguments(),
            arguments ->
                upstreams
                    .get(server)
                    .call(client ->
                        client.getPrompt(
                            new McpSchema.GetPromptRequest(prompt, arguments, request.meta()))));
  }

  /** A resources/read: governed by its server's resources policy, relayed, recorded. */
  private McpSchema.ReadResourceResult read(
      String path,
      String server,
      McpSyncServerExchange exchange,
      McpSchema.ReadResourceRequest request) {
    return calls
        .startResource(
            path, server, caller(exchange.transportContext()), exchange.sessionId(), request)
        .runResource(uri ->
            upstreams
                .get(server)
                .call(client ->
                    client.readResource(new McpSchema.ReadResourceRequest(uri, request.meta()))));
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
    synchronized (upstreams) {
      upstreams.values().forEach(Upstream::close);
    }
    perUserUpstreams.values().forEach(Upstream::close);
    if (tokens instanceof AutoCloseable store) {
      try {
        store.close();
      } catch (Exception e) {
        log.debug("the MCP token store did not close cleanly: {}", e.toString());
      }
    }
    List<Endpoint> endpoints = new ArrayList<>(perServer.values());
    endpoints.add(aggregate);
    endpoints.forEach(McpGateway::closeQuietly);
  }

  private static void closeQuietly(Endpoint endpoint) {
    try {
      endpoint.mcp().closeGracefully();
    } catch (RuntimeException e) {
      log.debug("an MCP endpoint did not close cleanly: {}", e.toString());
    }
  }
}
