package dev.switchboard.engine.errors;

/**
 * A target's circuit is open: it failed too often in a row, and the gateway does not call it until
 * a probe finds it well again. Answered with 503 and a {@code retry-after} of the time until the
 * probe, so a client's SDK waits and retries rather than giving up; a fallback moves on to the next
 * target at once.
 */
public final class CircuitOpenException extends GatewayException {
  private final java.time.Duration retryAfter;

  /**
   * @param retryAfter how long until the circuit lets a probe through (zero while a probe is out)
   */
  public CircuitOpenException(String target, java.time.Duration retryAfter) {
    super("The target " + target + " is failing; its circuit is open.", null);
    this.retryAfter = retryAfter.isNegative() ? java.time.Duration.ZERO : retryAfter;
  }

  /** How long until the circuit lets a probe through; zero while a probe is out. */
  public java.time.Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public int status() {
    return 503;
  }
}
