package dev.switchboard.mcp;

import java.util.List;

/**
 * Holds tool calls to their rate limits ({@link ToolPolicies}): the server gives the MCP gateway
 * the access layer's rate limiter (the same buckets as the keys' limits, in process or in Redis
 * shared by gateways), so that this module does not depend on the access layer.
 */
@FunctionalInterface
public interface ToolCallLimiter {
  /** Admits every call: for a gateway whose settings set no rate limit. */
  ToolCallLimiter NONE = limits -> {};

  /**
   * Takes one call from each limit, or none of them.
   *
   * @throws dev.switchboard.engine.errors.LimitExceededException when a limit is reached (429, with
   *     the time until the call would be let through)
   */
  void admit(List<Limit> limits);

  /**
   * One requests-per-minute limit.
   *
   * @param subject what is limited: {@code <server>} or {@code <server>__<tool>}, for every caller
   *     or followed by {@code for key <key id>} (the settings' limits); or a key's own limits,
   *     {@code calls by key <key id>}, {@code calls to <server> by key <key id>}
   * @param requestsPerMinute the most calls a minute
   */
  record Limit(String subject, long requestsPerMinute) {}
}
