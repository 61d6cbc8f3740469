package dev.switchboard.engine.errors;

/**
 * A target's circuit is open: it failed too often in a row, and the gateway does not call it until
 * a probe finds it well again. Answered with 503; a fallback moves on to the next target at once.
 */
public final class CircuitOpenException extends GatewayException {
  public CircuitOpenException(String target) {
    super("The target " + target + " is failing; its circuit is open.", null);
  }

  @Override
  public int status() {
    return 503;
  }
}
