package dev.switchboard.server;

import dev.switchboard.access.Access;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Subject;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.guardrails.ToolCallGuardrails;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.mcp.McpGateway;
import dev.switchboard.mcp.ToolCallLimiter;
import dev.switchboard.mcp.UpstreamServer;
import dev.switchboard.mcp.oauth.UpstreamTokenStore;
import dev.switchboard.observe.Observability;
import dev.switchboard.state.ConversationState;
import dev.switchboard.state.configs.SavedConfigs;
import dev.switchboard.state.mcpservers.SavedMcpServers;
import dev.switchboard.state.prompts.Prompts;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway server: Jetty, handling each request on a virtual thread, in front of one {@link
 * Gateway}. {@link #close()} is graceful: the server says it is not ready and goes on serving for
 * the drain delay (a balancer stops sending it connections meanwhile), then stops accepting, lets
 * in-flight requests and streams finish within the drain timeout, and stops.
 */
public final class SwitchboardServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SwitchboardServer.class);

  /**
   * Connections the kernel holds for the server before it accepts them. The JDK's default of 50 is
   * overrun by a burst of new connections (an agent fanning out, a client pool starting): the
   * kernel then drops handshakes and falls back to SYN cookies, and some of those connections are
   * reset with their request sent. The kernel caps the figure at {@code net.core.somaxconn}.
   */
  static final int ACCEPT_QUEUE = 1024;

  /**
   * The time a request's line and headers may take to arrive from their first byte: 8 KiB of
   * headers (Jetty's limit) at 800 bytes a second.
   */
  static final java.time.Duration REQUEST_HEADER_DEADLINE = java.time.Duration.ofSeconds(10);

  private final Server server;
  private final ServerConnector connector;
  private final ServerConnector adminConnector;
  private final Gateway gateway;
  private final Observability observability;
  private final Access access;
  private final ConversationState conversations;
  private final Prompts prompts;
  private final SavedConfigs savedConfigs;
  private final McpOnDemand mcp;
  private final SavedMcpServers mcpServers;
  private final Draining draining = new Draining(null);
  private final Duration drainDelay;

  private SwitchboardServer(
      ServerSettings settings,
      Gateway gateway,
      Observability observability,
      Access access,
      ConversationState conversations,
      Prompts prompts,
      SavedConfigs savedConfigs,
      McpOnDemand mcp,
      SavedMcpServers mcpServers) {
    this.gateway = gateway;
    this.savedConfigs = savedConfigs;
    this.mcp = mcp;
    this.mcpServers = mcpServers;
    this.access = access;
    this.conversations = conversations;
    this.prompts = prompts;
    this.observability = observability;
    this.drainDelay = settings.drainDelay();
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("server");
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    connector.setAcceptQueueSize(ACCEPT_QUEUE);
    server.addConnector(connector);
    if (settings.adminPort() != null) {
      this.adminConnector = new ServerConnector(server, new HttpConnectionFactory(http));
      adminConnector.setName(RouteGate.ADMIN_CONNECTOR);
      adminConnector.setHost(settings.adminHost());
      adminConnector.setPort(settings.adminPort());
      adminConnector.setAcceptQueueSize(ACCEPT_QUEUE);
      server.addConnector(adminConnector);
    } else {
      this.adminConnector = null;
    }
    AdminToken adminToken = AdminToken.of(settings.adminToken());
    RouteHandler.Endpoints endpoints =
        new RouteHandler.Endpoints(
            new GatewayHandler(
                gateway,
                prompts,
                settings.maxBodyBytes(),
                () ->
                    observability.requestLog() == null
                        ? null
                        : observability.requestLog().statistics(),
                access.enabled() ? Map.of("access", access::storeReachable) : Map.of(),
                draining::draining),
            new AdminApiHandler(adminToken, access, prompts, savedConfigs),
            new LogsRoutes(observability, Clock.systemUTC()),
            new MetricsEndpoint(observability.metrics()),
            new DashboardRoutes(),
            new ResponsesRoutes(conversations, access),
            new McpRoutes(mcp, access, mcpServers));
    draining.setHandler(
        new MinimumReadRate(
            new RouteGate(
                adminToken,
                access,
                settings.adminPort() != null,
                gateway.instanceId(),
                endpoints)));
    server.setHandler(draining);
    server.addBean(new RequestHeaderDeadline(server, REQUEST_HEADER_DEADLINE));
    server.setErrorHandler(new JsonErrorHandler());
    server.setStopTimeout(settings.drainTimeout().toMillis());
    server.setStopAtShutdown(false);
  }

  /** Starts a server with a gateway built from the settings. */
  public static SwitchboardServer start(ServerSettings settings) {
    return start(settings, builder -> {});
  }

  /**
   * Starts a server with a gateway built from the settings, {@code customise} given its builder
   * last (tests set a clock, a sleeper, …). Closing the server closes the gateway.
   */
  public static SwitchboardServer start(
      ServerSettings settings, Consumer<Gateway.Builder> customise) {
    requireLoopbackAdminHost(settings);
    // The request log first: when two gateways share a data directory, its lock's message is the
    // one that names the setting to change.
    Observability observability = Observability.start(settings.observability());
    Access access;
    try {
      access = Access.start(settings.access(), Clock.systemUTC());
    } catch (RuntimeException e) {
      observability.close();
      throw e;
    }
    ConversationState conversations;
    try {
      AccessSettings keys = settings.access();
      conversations =
          ConversationState.start(
              settings.responses(),
              MasterKeys.of(keys.masterKey(), keys.masterKeyFile(), keys.previousMasterKeys()),
              Clock.systemUTC());
    } catch (RuntimeException e) {
      access.close();
      observability.close();
      throw e;
    }
    Prompts prompts;
    try {
      prompts = Prompts.start(settings.prompts(), Clock.systemUTC());
    } catch (RuntimeException e) {
      conversations.close();
      access.close();
      observability.close();
      throw e;
    }
    SavedConfigs savedConfigs;
    try {
      savedConfigs = SavedConfigs.start(settings.savedConfigs(), Clock.systemUTC());
    } catch (RuntimeException e) {
      prompts.close();
      conversations.close();
      access.close();
      observability.close();
      throw e;
    }
    Gateway.Builder builder = Gateway.builder().settings(settings.gateway());
    observability.sinks().forEach(builder::recordSink);
    access.install(builder, settings.gateway().prices());
    conversations.install(builder);
    savedConfigs.install(builder);
    customise.accept(builder);
    Gateway gateway = null;
    try {
      gateway = builder.build();
      conversations.attach(gateway);
      // The settings file's configs, checked as the gateway was built, go into the store.
      savedConfigs.attach(gateway, settings.gateway().configs());
    } catch (RuntimeException e) {
      if (gateway != null) {
        gateway.close();
      }
      savedConfigs.close();
      prompts.close();
      conversations.close();
      access.close();
      observability.close();
      throw e;
    }
    observability.watch(gateway);
    // Tool calls go to the same sinks as the model traffic; virtual keys come from access's vault.
    // With no upstream MCP server declared, the MCP gateway is made on the first request to
    // /mcp: an idle gateway does not hold the MCP SDK's classes.
    McpOnDemand mcp;
    try {
      ToolCallGuardrails guardrails = gateway.toolCallGuardrails();
      ToolCallLimiter limiter = toolCallLimiter(settings, access);
      Function<String, String> credentials = access::operatorCredential;
      List<RecordSink> sinks = observability.sinks();
      mcp =
          new McpOnDemand(
              () ->
                  McpGateway.start(
                      settings.mcp(), credentials, sinks, guardrails, limiter, mcpTokens(settings)),
              !settings.mcp().servers().isEmpty());
    } catch (RuntimeException e) {
      prompts.close();
      conversations.close();
      gateway.close();
      observability.close();
      access.close();
      throw e;
    }
    // The servers declared through the admin API, kept beside the saved configs.
    SavedMcpServers mcpServers;
    try {
      mcpServers = SavedMcpServers.start(settings.savedConfigs(), Clock.systemUTC());
    } catch (RuntimeException e) {
      mcp.close();
      savedConfigs.close();
      prompts.close();
      conversations.close();
      gateway.close();
      observability.close();
      access.close();
      throw e;
    }
    SwitchboardServer server =
        new SwitchboardServer(
            settings,
            gateway,
            observability,
            access,
            conversations,
            prompts,
            savedConfigs,
            mcp,
            mcpServers);
    try {
      server.server.start();
    } catch (Exception e) {
      mcpServers.close();
      mcp.close();
      savedConfigs.close();
      prompts.close();
      conversations.close();
      gateway.close();
      observability.close();
      access.close();
      throw new IllegalStateException(
          "the gateway could not listen on "
              + settings.host()
              + ":"
              + settings.port()
              + (settings.adminPort() == null
                  ? ""
                  : " and " + settings.adminHost() + ":" + settings.adminPort()),
          e);
    }
    server.gateway.listeningOn(server.listeners());
    // Once the guard knows the gateway's own listeners, which no declared server may be.
    OutboundGuard guard = gateway.outboundGuard();
    try {
      // A declaration makes the MCP gateway if it was not made yet; none leaves it unmade.
      mcpServers.attach(
          (name, declaration) ->
              McpRoutes.declarationCheck(mcp.gateway(), guard).accept(name, declaration),
          declared -> {
            if (!declared.isEmpty() || mcp.made()) {
              mcp.gateway().declare(declared, guard);
            }
          });
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    // The links a per-user MCP server's callers are given, and the default OAuth redirect URI.
    if (mcp.made()) {
      mcp.gateway().authorization().baseUri(server.baseUri());
    }
    if (server.adminConnector == null) {
      log.info("Switchboard listening on {}", server.baseUri());
    } else {
      log.info(
          "Switchboard listening on {}, its admin API, logs and metrics on {}",
          server.baseUri(),
          server.adminUri());
    }
    return server;
  }

  /**
   * Where the per-user upstream MCP tokens are kept: sealed in the access layer's vault, opened
   * only when a server authorizes each caller.
   */
  private static UpstreamTokenStore mcpTokens(ServerSettings settings) {
    boolean perUser =
        settings.mcp().servers().stream()
            .anyMatch(server -> server instanceof UpstreamServer.Http http && http.perUser());
    return perUser ? McpTokenVault.open(settings.access()) : UpstreamTokenStore.inMemory();
  }

  /**
   * The MCP gateway's rate limits (the settings' and each key's own, {@code limits.mcp}) are kept
   * by the access layer's limiter, as the keys' are: without access, settings that set them are
   * refused rather than left unenforced (and there are no keys).
   */
  private static ToolCallLimiter toolCallLimiter(ServerSettings settings, Access access) {
    if (!access.enabled()) {
      if (!settings.mcp().policies().limitsCalls()) {
        return ToolCallLimiter.NONE;
      }
      throw new IllegalArgumentException(
          "mcp rate-limit needs access.enabled: tool calls are limited by the access layer's rate"
              + " limiter");
    }
    return limits ->
        access.admitRates(
            limits.stream()
                .map(limit ->
                    new Subject(
                        Subject.Kind.MCP,
                        limit.subject(),
                        new Limits(limit.requestsPerMinute(), null, null)))
                .toList());
  }

  /**
   * The admin port serves every caller's logs and the keys' administration: it listens on a
   * loopback address only, whatever else is set.
   */
  private static void requireLoopbackAdminHost(ServerSettings settings) {
    if (settings.adminPort() == null) {
      return;
    }
    if (!ServerSettings.isLoopback(settings.adminHost())) {
      throw new IllegalArgumentException(
          "admin.host "
              + settings.adminHost()
              + " is not a loopback address: the admin port listens on loopback only (127.0.0.1"
              + " or ::1); reach it from elsewhere through an SSH tunnel or a proxy you control");
    }
  }

  /** Every route this server serves, in matching order, with what each needs. */
  public static java.util.List<Route> routes() {
    return Route.all();
  }

  /** The engine this server serves. */
  public Gateway gateway() {
    return gateway;
  }

  /** The gateway keys, virtual keys, limits and budgets of this server, and their admin. */
  public Access access() {
    return access;
  }

  /**
   * The MCP gateway of this server: its upstream servers and tool pins (made now if no server is
   * declared and nothing asked for it yet).
   */
  public McpGateway mcp() {
    return mcp.gateway();
  }

  /** The Responses API's stored responses of this server. */
  public ConversationState conversations() {
    return conversations;
  }

  /** The saved prompt templates of this server. */
  public Prompts prompts() {
    return prompts;
  }

  /** The saved configs of this server that change while it runs. */
  public SavedConfigs savedConfigs() {
    return savedConfigs;
  }

  /** The request log, metrics and traces of this server. */
  public Observability observability() {
    return observability;
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port}. */
  public URI baseUri() {
    return uri(connector);
  }

  /** The admin port, or -1 when the admin API, logs and metrics are on the gateway's port. */
  public int adminPort() {
    return adminConnector == null ? -1 : adminConnector.getLocalPort();
  }

  /**
   * {@code http://127.0.0.1:adminPort} when an admin port is set; else the gateway's own {@link
   * #baseUri()}, where the admin API, logs and metrics then are.
   */
  public URI adminUri() {
    return adminConnector == null ? baseUri() : uri(adminConnector);
  }

  /** The addresses the server listens on, as bound (a wildcard host: every local address). */
  private java.util.List<java.net.InetSocketAddress> listeners() {
    java.util.List<java.net.InetSocketAddress> bound = new java.util.ArrayList<>();
    for (ServerConnector listening : java.util.Arrays.asList(connector, adminConnector)) {
      if (listening != null) {
        bound.add(
            listening.getHost() == null
                ? new java.net.InetSocketAddress(listening.getLocalPort())
                : new java.net.InetSocketAddress(listening.getHost(), listening.getLocalPort()));
      }
    }
    return bound;
  }

  private static URI uri(ServerConnector listening) {
    String host = listening.getHost() == null ? "127.0.0.1" : listening.getHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + listening.getLocalPort());
  }

  /**
   * Stops gracefully: not ready and still serving for the drain delay, then the listener closes and
   * what is in flight finishes within the drain timeout; then closes the gateway.
   */
  @Override
  public void close() {
    draining.begin();
    boolean interrupted = false;
    if (drainDelay.isPositive()) {
      log.info("draining: not ready, serving for {} before the listener closes", drainDelay);
      try {
        Thread.sleep(drainDelay);
      } catch (InterruptedException e) {
        // Told to hurry: the listener closes now, what is in flight still finishes.
        interrupted = true;
      }
    }
    try {
      server.stop();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    } catch (Exception e) {
      log.warn("the server did not stop cleanly: {}", e.toString());
    } finally {
      try {
        mcpServers.close();
        mcp.close();
        // Background responses still running are interrupted before the gateway they run in.
        conversations.close();
        savedConfigs.close();
        prompts.close();
        gateway.close();
      } finally {
        try {
          // After the last request finished: the request log writes what it holds.
          observability.close();
        } finally {
          access.close();
        }
      }
    }
  }
}
