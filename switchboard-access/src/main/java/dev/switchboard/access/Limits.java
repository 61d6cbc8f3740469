package dev.switchboard.access;

/**
 * What one subject (a workspace, a gateway key, a virtual key) is held to; {@code null} parts are
 * unlimited.
 *
 * @param requestsPerMinute the most requests it may start in a minute
 * @param tokensPerMinute the most tokens its requests may use in a minute
 * @param budget its cost or token budget per period
 * @param mcp a gateway key's limits on its MCP tool calls, or {@code null}; keys only (a
 *     workspace's or virtual key's limits never hold them)
 */
public record Limits(
    Long requestsPerMinute, Long tokensPerMinute, Budget budget, McpCallLimits mcp) {
  public static final Limits NONE = new Limits(null, null, null, null);

  /** Limits without MCP call limits: a workspace's, a virtual key's, or a key's model traffic. */
  public Limits(Long requestsPerMinute, Long tokensPerMinute, Budget budget) {
    this(requestsPerMinute, tokensPerMinute, budget, null);
  }

  public Limits {
    if (requestsPerMinute != null && requestsPerMinute < 0) {
      throw new IllegalArgumentException("requests_per_minute must not be negative");
    }
    if (tokensPerMinute != null && tokensPerMinute < 0) {
      throw new IllegalArgumentException("tokens_per_minute must not be negative");
    }
  }

  /** Whether nothing is limited. */
  public boolean none() {
    return requestsPerMinute == null && tokensPerMinute == null && budget == null && mcp == null;
  }

  /** These limits with {@code mcp} as their MCP call limits. */
  public Limits withMcp(McpCallLimits mcp) {
    return new Limits(requestsPerMinute, tokensPerMinute, budget, mcp);
  }
}
