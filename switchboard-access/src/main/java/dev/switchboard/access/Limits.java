package dev.switchboard.access;

/**
 * What one subject (a workspace, a gateway key, a virtual key) is held to; {@code null} parts are
 * unlimited.
 *
 * @param requestsPerMinute the most requests it may start in a minute
 * @param tokensPerMinute the most tokens its requests may use in a minute
 * @param budget its cost or token budget per period
 */
public record Limits(Long requestsPerMinute, Long tokensPerMinute, Budget budget) {
  public static final Limits NONE = new Limits(null, null, null);

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
    return requestsPerMinute == null && tokensPerMinute == null && budget == null;
  }
}
