package dev.switchboard.engine.errors;

/**
 * The client's request cannot be served as sent: malformed JSON, a missing or unknown provider, a
 * bad header value, a refused custom host. Answered with 400 before any upstream call; one that
 * names something the gateway does not hold for the caller (a stored response) with 404.
 */
public final class InvalidRequestException extends GatewayException {
  private final String param;
  private final String code;
  private final int status;

  public InvalidRequestException(String message) {
    this(message, null, null);
  }

  public InvalidRequestException(String message, String param, Throwable cause) {
    this(message, param, null, cause);
  }

  private InvalidRequestException(String message, String param, String code, Throwable cause) {
    this(message, param, code, cause, 400);
  }

  private InvalidRequestException(
      String message, String param, String code, Throwable cause, int status) {
    super(message, cause);
    this.param = param;
    this.code = code;
    this.status = status;
  }

  /**
   * A 404: the request names something the gateway does not hold for this caller (an unknown,
   * expired or deleted stored response, or another workspace's), as OpenAI answers it.
   */
  public static InvalidRequestException notFound(String message, String param, String code) {
    return new InvalidRequestException(message, param, code, null, 404);
  }

  /**
   * A refusal with OpenAI's error {@code code} ({@code missing_required_parameter}, {@code
   * empty_array}), where the gateway refuses a request as OpenAI would.
   */
  public static InvalidRequestException withCode(String message, String param, String code) {
    return new InvalidRequestException(message, param, code, null);
  }

  /** The field or header at fault, where one is; else {@code null}. */
  public String param() {
    return param;
  }

  /** OpenAI's error {@code code}, where one applies; else {@code null}. */
  public String code() {
    return code;
  }

  @Override
  public int status() {
    return status;
  }
}
