package dev.switchboard.engine.errors;

import java.time.Duration;

/** The provider did not answer within the request's timeout. Answered with 408, as Portkey does. */
public final class UpstreamTimeoutException extends GatewayException {
  private final Duration timeout;

  public UpstreamTimeoutException(Duration timeout, Throwable cause) {
    super("Request exceeded the timeout sent in the request: " + timeout.toMillis() + "ms", cause);
    this.timeout = timeout;
  }

  public Duration timeout() {
    return timeout;
  }

  @Override
  public int status() {
    return 408;
  }
}
