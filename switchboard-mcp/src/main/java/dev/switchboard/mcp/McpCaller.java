package dev.switchboard.mcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who calls the MCP endpoints, as the server authenticated them: set on each HTTP request as the
 * attribute {@link #ATTRIBUTE} before the request reaches the MCP transport.
 *
 * @param keyId the gateway key's id, or {@code null} for a caller without one
 * @param workspace the key's workspace, or {@code null}
 * @param scope what the key may list and call: a server's name (every tool of it) or a namespaced
 *     tool, {@code <server>__<tool>}; {@code null} for everything, empty for nothing
 * @param callLimits the key's own limits on its tool calls (kept on the key, set through the admin
 *     API), held on top of the settings' limits
 */
public record McpCaller(String keyId, String workspace, Set<String> scope, CallLimits callLimits) {
  /** The request attribute the server puts the caller in. */
  public static final String ATTRIBUTE = "switchboard.mcp.caller";

  /** A caller without a key, where none is required: every server and tool. */
  public static final McpCaller ANONYMOUS = new McpCaller(null, null, null);

  public McpCaller {
    scope = scope == null ? null : Set.copyOf(scope);
    callLimits = callLimits == null ? CallLimits.NONE : callLimits;
  }

  /** A caller whose key holds no limits of its own on its tool calls. */
  public McpCaller(String keyId, String workspace, Set<String> scope) {
    this(keyId, workspace, scope, CallLimits.NONE);
  }

  /**
   * The limits a call to {@code server} is held to: the settings' ({@code configured}) and the
   * key's own, all or nothing.
   */
  List<ToolCallLimiter.Limit> limitsOn(String server, List<ToolCallLimiter.Limit> configured) {
    if (keyId == null || callLimits.equals(CallLimits.NONE)) {
      return configured;
    }
    List<ToolCallLimiter.Limit> limits = new ArrayList<>(configured);
    if (callLimits.perMinute() != null) {
      limits.add(new ToolCallLimiter.Limit("calls by key " + keyId, callLimits.perMinute()));
    }
    Long perServer = callLimits.perServer().get(server);
    if (perServer != null) {
      limits.add(new ToolCallLimiter.Limit("calls to " + server + " by key " + keyId, perServer));
    }
    return limits;
  }

  /**
   * A gateway key's own requests-per-minute limits on its tool calls.
   *
   * @param perMinute the most calls a minute to every server together, or {@code null}
   * @param perServer the most calls a minute to one server's tools, by server name
   */
  public record CallLimits(Long perMinute, Map<String, Long> perServer) {
    /** No limit of the key's own. */
    public static final CallLimits NONE = new CallLimits(null, Map.of());

    public CallLimits {
      perServer = perServer == null ? Map.of() : Map.copyOf(perServer);
    }
  }

  /** Whether the caller may list and call {@code tool} of {@code server}. */
  public boolean allows(String server, String tool) {
    return scope == null
        || scope.contains(server)
        || scope.contains(ToolNames.namespaced(server, tool));
  }
}
