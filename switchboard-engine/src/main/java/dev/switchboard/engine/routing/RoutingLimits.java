package dev.switchboard.engine.routing;

import java.time.Duration;

/**
 * Bounds on what one client request may cost upstream, whatever its config says.
 *
 * @param maxAttempts upstream calls one client request may make, across retries and fallbacks
 * @param deadline time from the request's arrival by which its answer must have started; no retry
 *     or fallback starts, and no retry wait ends, past it
 * @param backoffBase the first retry's wait (doubled for each further retry, with jitter)
 * @param maxRetryWait the longest a retry waits; a provider asking for longer gets its error
 *     returned at once (Portkey's cap)
 * @param circuitThreshold failures in a row that open a target's circuit
 * @param circuitOpenFor how long an open circuit refuses calls before a probe
 */
public record RoutingLimits(
    int maxAttempts,
    Duration deadline,
    Duration backoffBase,
    Duration maxRetryWait,
    int circuitThreshold,
    Duration circuitOpenFor) {

  public static RoutingLimits defaults() {
    return new RoutingLimits(
        10,
        Duration.ofMinutes(5),
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        5,
        Duration.ofSeconds(30));
  }

  public RoutingLimits {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("max attempts must be at least 1");
    }
    if (circuitThreshold < 1) {
      throw new IllegalArgumentException("circuit threshold must be at least 1");
    }
  }
}
