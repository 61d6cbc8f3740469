package dev.switchboard.mcp;

import java.util.Set;

/**
 * Who calls the MCP endpoints, as the server authenticated them: set on each HTTP request as the
 * attribute {@link #ATTRIBUTE} before the request reaches the MCP transport.
 *
 * @param keyId the gateway key's id, or {@code null} for a caller without one
 * @param workspace the key's workspace, or {@code null}
 * @param scope what the key may list and call: a server's name (every tool of it) or a namespaced
 *     tool, {@code <server>__<tool>}; {@code null} for everything, empty for nothing
 */
public record McpCaller(String keyId, String workspace, Set<String> scope) {
  /** The request attribute the server puts the caller in. */
  public static final String ATTRIBUTE = "switchboard.mcp.caller";

  /** A caller without a key, where none is required: every server and tool. */
  public static final McpCaller ANONYMOUS = new McpCaller(null, null, null);

  public McpCaller {
    scope = scope == null ? null : Set.copyOf(scope);
  }

  /** Whether the caller may list and call {@code tool} of {@code server}. */
  public boolean allows(String server, String tool) {
    return scope == null
        || scope.contains(server)
        || scope.contains(ToolNames.namespaced(server, tool));
  }
}
