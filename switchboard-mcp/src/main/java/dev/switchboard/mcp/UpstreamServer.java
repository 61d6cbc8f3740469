package dev.switchboard.mcp;

import dev.switchboard.mcp.oauth.OAuthSettings;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An upstream MCP server the gateway fronts, as declared in the settings file ({@code
 * mcp.servers}). Its name is the namespace of its tools at {@code /mcp} ({@code <name>__<tool>})
 * and the last segment of its own endpoint, {@code /mcp/<name>}.
 */
public sealed interface UpstreamServer permits UpstreamServer.Http, UpstreamServer.Stdio {

  /**
   * A server name: lower-case letters, digits and single hyphens, so that {@code __} in a
   * namespaced tool name always ends the server's name.
   */
  Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

  String name();

  /**
   * A Streamable HTTP server.
   *
   * @param url its MCP endpoint, e.g. {@code https://mcp.example.com/mcp}
   * @param headers sent on every request to it (a static credential, a tenant header)
   * @param virtualKey a virtual key of the access vault ({@code workspace/slug}, or {@code slug} in
   *     the default workspace) whose credential is sent as {@code Authorization: Bearer}, decrypted
   *     for each request and never shown to a client; or {@code null}
   * @param oauth how the gateway authorizes itself to a server that requires OAuth 2.1, its own
   *     token or each caller's; or {@code null}
   */
  record Http(
      String name, URI url, Map<String, String> headers, String virtualKey, OAuthSettings oauth)
      implements UpstreamServer {
    public Http {
      headers = Map.copyOf(headers);
    }

    /** A server without OAuth. */
    public Http(String name, URI url, Map<String, String> headers, String virtualKey) {
      this(name, url, headers, virtualKey, null);
    }

    /** Whether each caller authorizes with its own token: one upstream session per caller. */
    public boolean perUser() {
      return oauth != null && oauth.mode() == OAuthSettings.Mode.PER_USER;
    }
  }

  /**
   * A server the gateway starts as a process and talks to over its standard input and output,
   * restarted with back-off when it exits; its standard error goes to the gateway's log. Declared
   * only in the settings file: the admin API never names a command to run.
   */
  record Stdio(String name, String command, List<String> args, Map<String, String> env)
      implements UpstreamServer {
    public Stdio {
      args = List.copyOf(args);
      env = Map.copyOf(env);
    }
  }
}
