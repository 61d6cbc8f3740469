package dev.switchboard.engine.routing;

import java.util.Set;

/**
 * A target's {@code retry}: how many more attempts after the first, on which statuses, and whether
 * the provider's retry-after headers set the wait.
 *
 * @param attempts retries after the first attempt, 0 to {@link #MAX_ATTEMPTS}
 */
public record RetryPolicy(int attempts, Set<Integer> onStatusCodes, boolean useRetryAfterHeader) {
  /** Portkey documents at most 5 retries; more are clamped to 5. */
  public static final int MAX_ATTEMPTS = 5;

  /** The statuses retried when {@code on_status_codes} is not given. */
  public static final Set<Integer> DEFAULT_STATUS_CODES = Set.of(429, 500, 502, 503, 504);

  public static final RetryPolicy NONE = new RetryPolicy(0, DEFAULT_STATUS_CODES, false);

  public RetryPolicy {
    attempts = Math.max(0, Math.min(MAX_ATTEMPTS, attempts));
    onStatusCodes = Set.copyOf(onStatusCodes);
  }
}
