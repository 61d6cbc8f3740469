package dev.switchboard.mcp;

/**
 * The namespacing rule of the aggregated endpoint: {@code <server>__<tool>}. A server's name has no
 * underscore ({@link UpstreamServer#NAME}), so the first {@code __} always ends it, whatever the
 * tool's own name holds.
 */
final class ToolNames {
  static final String SEPARATOR = "__";

  private ToolNames() {}

  static String namespaced(String server, String tool) {
    return server + SEPARATOR + tool;
  }

  /** The server a namespaced name belongs to, or {@code null} when it is not namespaced. */
  static String server(String namespaced) {
    int at = namespaced.indexOf(SEPARATOR);
    return at <= 0 ? null : namespaced.substring(0, at);
  }

  /** The upstream tool's own name in a namespaced name. */
  static String tool(String namespaced) {
    return namespaced.substring(namespaced.indexOf(SEPARATOR) + SEPARATOR.length());
  }
}
