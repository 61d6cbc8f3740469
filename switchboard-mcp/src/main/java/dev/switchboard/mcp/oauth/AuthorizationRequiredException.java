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
    // The message names no link: a link is for the caller's answer only, never for a log line.
    super("The MCP server '" + server + "' needs the caller's authorization.");
    this.server = server;
    this.link = link;
  }

  public String server() {
    return server;
  }

  /** The gateway's URL that starts the authorization (its one-time ticket included). */
  public URI link() {
    return link;
  }

  /** What the caller is told: where to go. */
  public String instructions() {
    return "The MCP server '"
        + server
        + "' needs your authorization: visit "
        + link
        + " to sign in, then call again.";
  }
}
