package dev.switchboard.mcp;

import dev.switchboard.mcp.oauth.AuthorizationRequiredException;
import io.modelcontextprotocol.spec.McpError;
import java.util.Map;

/** How a call to a per-user server is answered when its caller has not authorized the gateway. */
final class UpstreamAuthorizationErrors {
  /**
   * The JSON-RPC error code of such an answer, in the range JSON-RPC leaves to implementations; its
   * {@code data.authorization_url} is the link to visit.
   */
  static final int AUTHORIZATION_REQUIRED = -32001;

  private UpstreamAuthorizationErrors() {}

  static McpError required(AuthorizationRequiredException required) {
    return McpError.builder(AUTHORIZATION_REQUIRED)
        .message(required.instructions())
        .data(Map.of("server", required.server(), "authorization_url", required.link().toString()))
        .build();
  }

  /** A per-user server called without a gateway key: nobody to authorize for. */
  static McpError needsKey(String server) {
    return McpError.builder(AUTHORIZATION_REQUIRED)
        .message(
            "The MCP server '"
                + server
                + "' authorizes each caller: call it with a gateway key (x-portkey-api-key or"
                + " Authorization: Bearer sbk-…).")
        .build();
  }
}
