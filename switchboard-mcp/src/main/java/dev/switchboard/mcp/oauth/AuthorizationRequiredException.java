package dev.switchboard.mcp.oauth;

import java.net.URI;

/**
 * A caller has no token (or no longer a valid one) for a per-user upstream server: it must visit
 * {@link #link()} to authorize the gateway on its behalf.
 */
public final class AuthorizationRequiredException extends RuntimeException {
  private final String server;
  private final URI link;

  AuthorizationRequiredException(String server, URI link) {
    super(
        "The MCP server '"
            + server
            + "' needs your authorization: visit "
            + link
            + " to sign in, then call again.");
    this.server = server;
    this.link = link;
  }

  public String server() {
    return server;
  }

  /** The gateway's URL that starts the authorization. */
  public URI link() {
    return link;
  }
}
