package dev.switchboard.engine.errors;

/**
 * The client's request cannot be served as sent: malformed JSON, a missing or unknown provider, a
 * bad header value, a refused custom host. Answered with 400 before any upstream call.
 */
public final class InvalidRequestException extends GatewayException {
  private final String param;

  public InvalidRequestException(String message) {
    this(message, null, null);
  }

  public InvalidRequestException(String message, String param, Throwable cause) {
    super(message, cause);
    this.param = param;
  }

  /** The field or header at fault, where one is; else {@code null}. */
  public String param() {
    return param;
  }

  @Override
  public int status() {
    return 400;
  }
}
