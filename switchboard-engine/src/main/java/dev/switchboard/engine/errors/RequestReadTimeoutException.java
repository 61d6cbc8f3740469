package dev.switchboard.engine.errors;

/**
 * The client sent its request body slower than the gateway's minimum data rate, so the gateway
 * stopped waiting for it. Answered with 408, as a web server answers a body that does not arrive.
 */
public final class RequestReadTimeoutException extends GatewayException {
  public RequestReadTimeoutException(long minimumBytesPerSecond) {
    super(
        "The request body arrived slower than the gateway's minimum of "
            + minimumBytesPerSecond
            + " bytes a second.",
        null);
  }

  @Override
  public int status() {
    return 408;
  }
}
