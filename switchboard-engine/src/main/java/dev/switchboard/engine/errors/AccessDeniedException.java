package dev.switchboard.engine.errors;

/**
 * The caller may not do this: no gateway key where one is required, a key that is unknown, revoked
 * or expired (401), or a key whose scopes do not reach the route, provider, model, config or
 * virtual key asked for (403). Answered before config resolution, before any upstream call. The
 * message never contains the presented key.
 */
public final class AccessDeniedException extends GatewayException {
  private final int status;
  private final String code;

  private AccessDeniedException(int status, String code, String message) {
    super(message, null);
    this.status = status;
    this.code = code;
  }

  /** 401: the caller is not known (no key, a malformed, unknown, revoked or expired one). */
  public static AccessDeniedException unauthenticated(String code, String message) {
    return new AccessDeniedException(401, code, message);
  }

  /** 403 {@code permission_denied}: the caller is known, and this is outside what it may do. */
  public static AccessDeniedException forbidden(String message) {
    return new AccessDeniedException(403, "permission_denied", message);
  }

  /** OpenAI's error {@code code}: {@code invalid_api_key}, {@code permission_denied}, … */
  public String code() {
    return code;
  }

  /** The error's {@code type}: {@code authentication_error} (401) or {@code permission_error}. */
  public String type() {
    return status == 401 ? "authentication_error" : "permission_error";
  }

  @Override
  public int status() {
    return status;
  }
}
