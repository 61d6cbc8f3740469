package dev.switchboard.access;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A gateway key's own limits on its MCP tool calls ({@code tools/call} at {@code /mcp} and {@code
 * /mcp/<server>}), set on the key through the admin API; {@code null} parts are unlimited. They are
 * held on top of the settings file's per-server and per-tool limits, and apart from the key's
 * {@code requests_per_minute}, which counts model requests only.
 *
 * @param callsPerMinute the most tool calls the key may make in a minute, to every server together
 * @param servers the most calls a minute to one server's tools, by the server's name
 */
public record McpCallLimits(Long callsPerMinute, Map<String, Long> servers) {
  /** A server's name, as the MCP gateway's settings allow it: it never holds {@code __}. */
  private static final Pattern SERVER = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

  public McpCallLimits {
    if (callsPerMinute != null && callsPerMinute < 0) {
      throw new IllegalArgumentException("calls_per_minute must not be negative");
    }
    servers =
        servers == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(servers));
    servers.forEach((server, limit) -> {
      if (!SERVER.matcher(server).matches()) {
        throw new IllegalArgumentException(
            "servers: '"
                + server
                + "' is not an MCP server's name (lower-case letters, digits and single"
                + " hyphens)");
      }
      if (limit == null || limit < 0) {
        throw new IllegalArgumentException(
            "servers." + server + " must be a whole number, not negative");
      }
    });
  }

  /** The limit on calls to {@code server}'s tools, or {@code null}. */
  public Long perServer(String server) {
    return servers.get(server);
  }
}
