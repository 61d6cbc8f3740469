package dev.switchboard.server;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.mcp.McpSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.state.StateSettings;
import dev.switchboard.state.configs.SavedConfigSettings;
import dev.switchboard.state.prompts.PromptSettings;
import java.time.Duration;

/**
 * How the server listens, and the engine settings it runs with.
 *
 * @param host the address to bind
 * @param port the port to bind; 0 picks a free one
 * @param maxBodyBytes the largest request body accepted; larger ones get 413
 * @param drainTimeout on shutdown, how long in-flight requests and streams may take to finish
 * @param gateway the engine's settings
 * @param observability the request log, its store, metrics and traces
 * @param adminToken the token that the admin API, request logs, analytics, dashboard and metrics
 *     require ({@code Authorization: Bearer <token>}, or HTTP Basic with it as the password), or
 *     {@code null} for none (they are open, as the gateway's other routes are, and the admin API is
 *     off)
 * @param adminHost the loopback address of the admin port
 * @param adminPort the port of the admin API, logs, analytics, dashboard and metrics, apart from
 *     the gateway's (0 picks a free one), or {@code null}: they are served on the gateway's port
 * @param access gateway keys, workspaces, virtual keys, rate limits and budgets ({@code null}: off)
 * @param responses the Responses API's conversation state ({@code null}: off)
 * @param prompts the saved prompt templates ({@code null}: off)
 * @param mcp the MCP gateway's upstream servers ({@code null}: none)
 * @param savedConfigs the store of saved configs edited while the gateway runs ({@code null}: off,
 *     the gateway settings' configs only)
 * @param drainDelay on shutdown, how long the gateway goes on accepting and serving while it says
 *     it is not ready, before its listener closes: the time a balancer takes to stop sending it
 *     connections ({@code null}: none)
 */
public record ServerSettings(
    String host,
    int port,
    long maxBodyBytes,
    Duration drainTimeout,
    GatewaySettings gateway,
    ObservabilitySettings observability,
    String adminToken,
    String adminHost,
    Integer adminPort,
    AccessSettings access,
    StateSettings responses,
    PromptSettings prompts,
    McpSettings mcp,
    SavedConfigSettings savedConfigs,
    Duration drainDelay) {

  /** Settings whose listener closes as soon as the drain begins (no drain delay). */
  public ServerSettings(
      String host,
      int port,
      long maxBodyBytes,
      Duration drainTimeout,
      GatewaySettings gateway,
      ObservabilitySettings observability,
      String adminToken,
      String adminHost,
      Integer adminPort,
      AccessSettings access,
      StateSettings responses,
      PromptSettings prompts,
      McpSettings mcp,
      SavedConfigSettings savedConfigs) {
    this(
        host,
        port,
        maxBodyBytes,
        drainTimeout,
        gateway,
        observability,
        adminToken,
        adminHost,
        adminPort,
        access,
        responses,
        prompts,
        mcp,
        savedConfigs,
        Duration.ZERO);
  }

  /** Settings with saved prompts off and without upstream MCP servers. */
  public ServerSettings(
      String host,
      int port,
      long maxBodyBytes,
      Duration drainTimeout,
      GatewaySettings gateway,
      ObservabilitySettings observability,
      String adminToken,
      String adminHost,
      Integer adminPort,
      AccessSettings access,
      StateSettings responses) {
    this(
        host,
        port,
        maxBodyBytes,
        drainTimeout,
        gateway,
        observability,
        adminToken,
        adminHost,
        adminPort,
        access,
        responses,
        PromptSettings.disabled(),
        McpSettings.NONE,
        SavedConfigSettings.disabled());
  }

  /** Settings with the Responses API's conversation state off. */
  public ServerSettings(
      String host,
      int port,
      long maxBodyBytes,
      Duration drainTimeout,
      GatewaySettings gateway,
      ObservabilitySettings observability,
      String adminToken,
      String adminHost,
      Integer adminPort,
      AccessSettings access) {
    this(
        host,
        port,
        maxBodyBytes,
        drainTimeout,
        gateway,
        observability,
        adminToken,
        adminHost,
        adminPort,
        access,
        StateSettings.disabled());
  }

  /**
   * Settings with the admin API, logs and metrics on the gateway's port, and access off (tests that
   * do not look at it).
   */
  public ServerSettings(
      String host,
      int port,
      long maxBodyBytes,
      Duration drainTimeout,
      GatewaySettings gateway,
      ObservabilitySettings observability,
      String adminToken) {
    this(
        host,
        port,
        maxBodyBytes,
        drainTimeout,
        gateway,
        observability,
        adminToken,
        DEFAULT_HOST,
        null,
        AccessSettings.disabled());
  }

  /** Settings without an admin token. */
  public ServerSettings(
      String host,
      int port,
      long maxBodyBytes,
      Duration drainTimeout,
      GatewaySettings gateway,
      ObservabilitySettings observability) {
    this(host, port, maxBodyBytes, drainTimeout, gateway, observability, null);
  }

  /** Settings with the request log off (tests that do not look at it). */
  public ServerSettings(
      String host, int port, long maxBodyBytes, Duration drainTimeout, GatewaySettings gateway) {
    this(
        host,
        port,
        maxBodyBytes,
        drainTimeout,
        gateway,
        ObservabilitySettings.defaults().withLogsEnabled(false));
  }

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8787;
  public static final long DEFAULT_MAX_BODY_BYTES = 32L * 1024 * 1024;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  public ServerSettings {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, not " + port);
    }
    if (maxBodyBytes <= 0) {
      throw new IllegalArgumentException("max body size must be positive");
    }
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drain timeout must not be negative");
    }
    drainDelay = drainDelay == null ? Duration.ZERO : drainDelay;
    if (drainDelay.isNegative()) {
      throw new IllegalArgumentException("drain delay must not be negative");
    }
    if (adminToken != null && adminToken.isBlank()) {
      throw new IllegalArgumentException("the admin token must not be blank");
    }
    if (adminPort != null && (adminPort < 0 || adminPort > 65535)) {
      throw new IllegalArgumentException(
          "admin port must be between 0 and 65535, not " + adminPort);
    }
    adminHost = adminHost == null ? DEFAULT_HOST : adminHost;
    access = access == null ? AccessSettings.disabled() : access;
    responses = responses == null ? StateSettings.disabled() : responses;
    prompts = prompts == null ? PromptSettings.disabled() : prompts;
    mcp = mcp == null ? McpSettings.NONE : mcp;
    savedConfigs = savedConfigs == null ? SavedConfigSettings.disabled() : savedConfigs;
  }

  /** Whether every address {@code host} names is a loopback one (an unknown host is not). */
  public static boolean isLoopback(String host) {
    try {
      for (java.net.InetAddress address : java.net.InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (java.net.UnknownHostException unknown) {
      return false;
    }
  }

  /**
   * The server's defaults, with access off (an embedded access store would be a file in the working
   * directory); a gateway started from settings ({@code SettingsLoader}) has it on.
   */
  public static ServerSettings defaults() {
    return new ServerSettings(
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_DRAIN_TIMEOUT,
        GatewaySettings.defaults(),
        ObservabilitySettings.defaults());
  }

  public ServerSettings withPort(int newPort) {
    return with(copy -> copy.port = newPort);
  }

  public ServerSettings withObservability(ObservabilitySettings newObservability) {
    return with(copy -> copy.observability = newObservability);
  }

  public ServerSettings withAdminToken(String token) {
    return with(copy -> copy.adminToken = token);
  }

  /** These settings with the admin API, logs and metrics on their own port ({@code null}: none). */
  public ServerSettings withAdminPort(Integer newAdminPort) {
    return with(copy -> copy.adminPort = newAdminPort);
  }

  /** These settings with gateway keys, virtual keys, limits and budgets as {@code newAccess}. */
  public ServerSettings withAccess(AccessSettings newAccess) {
    return with(copy -> copy.access = newAccess);
  }

  /** These settings with the MCP gateway's upstream servers as {@code newMcp}. */
  public ServerSettings withMcp(McpSettings newMcp) {
    return with(copy -> copy.mcp = newMcp);
  }

  /** These settings with the Responses API's conversation state as {@code newResponses}. */
  public ServerSettings withResponses(StateSettings newResponses) {
    return with(copy -> copy.responses = newResponses);
  }

  /** These settings with the saved prompts as {@code newPrompts}. */
  public ServerSettings withPrompts(PromptSettings newPrompts) {
    return with(copy -> copy.prompts = newPrompts);
  }

  /**
   * These settings with {@code newDrainDelay} of serving, not ready, before the listener closes.
   */
  public ServerSettings withDrainDelay(Duration newDrainDelay) {
    return with(copy -> copy.drainDelay = newDrainDelay);
  }

  /** These settings with the store of saved configs as {@code newSavedConfigs}. */
  public ServerSettings withSavedConfigs(SavedConfigSettings newSavedConfigs) {
    return with(copy -> copy.savedConfigs = newSavedConfigs);
  }

  /** A copy of these settings with {@code change} made to its fields. */
  private ServerSettings with(java.util.function.Consumer<Fields> change) {
    Fields copy = new Fields(this);
    change.accept(copy);
    return copy.settings();
  }

  /** The settings' fields, to change one or two in a copy; see {@link #with}. */
  private static final class Fields {
    private String host;
    private int port;
    private long maxBodyBytes;
    private Duration drainTimeout;
    private GatewaySettings gateway;
    private ObservabilitySettings observability;
    private String adminToken;
    private String adminHost;
    private Integer adminPort;
    private AccessSettings access;
    private StateSettings responses;
    private PromptSettings prompts;
    private McpSettings mcp;
    private SavedConfigSettings savedConfigs;
    private Duration drainDelay;

    Fields(ServerSettings settings) {
      host = settings.host;
      port = settings.port;
      maxBodyBytes = settings.maxBodyBytes;
      drainTimeout = settings.drainTimeout;
      gateway = settings.gateway;
      observability = settings.observability;
      adminToken = settings.adminToken;
      adminHost = settings.adminHost;
      adminPort = settings.adminPort;
      access = settings.access;
      responses = settings.responses;
      prompts = settings.prompts;
      mcp = settings.mcp;
      savedConfigs = settings.savedConfigs;
      drainDelay = settings.drainDelay;
    }

    ServerSettings settings() {
      return new ServerSettings(
          host,
          port,
          maxBodyBytes,
          drainTimeout,
          gateway,
          observability,
          adminToken,
          adminHost,
          adminPort,
          access,
          responses,
          prompts,
          mcp,
          savedConfigs,
          drainDelay);
    }
  }

  /** The settings, with the admin token masked: they may be logged. */
  @Override
  public String toString() {
    return "ServerSettings[host="
        + host
        + ", port="
        + port
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", drainTimeout="
        + drainTimeout
        + ", drainDelay="
        + drainDelay
        + ", gateway="
        + gateway
        + ", observability="
        + observability
        + ", adminToken="
        + (adminToken == null ? "none" : "***")
        + ", adminHost="
        + adminHost
        + ", adminPort="
        + (adminPort == null ? "none" : adminPort)
        + ", access="
        + access
        + ", responses="
        + responses
        + ", prompts="
        + prompts
        + ", savedConfigs="
        + savedConfigs
        + ", mcp servers="
        + mcp.servers().stream().map(dev.switchboard.mcp.UpstreamServer::name).toList()
        + "]";
  }
}
