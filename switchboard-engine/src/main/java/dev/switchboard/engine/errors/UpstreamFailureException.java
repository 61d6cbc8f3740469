package dev.switchboard.engine.errors;

/**
 * The provider could not be reached or broke off: connection refused or reset, a malformed
 * response, an address the outbound guard refuses at connect time. Answered with 502.
 */
public final class UpstreamFailureException extends GatewayException {
  private final String provider;
  private final boolean requestSent;

  /**
   * @param requestSent whether the request may have reached the provider (a failure after the body
   *     was sent must not be retried blindly: the provider may have acted on it)
   */
  public UpstreamFailureException(
      String provider, String message, boolean requestSent, Throwable cause) {
    super(message, cause);
    this.provider = provider;
    this.requestSent = requestSent;
  }

  public String provider() {
    return provider;
  }

  public boolean requestSent() {
    return requestSent;
  }

  @Override
  public int status() {
    return 502;
  }
}
