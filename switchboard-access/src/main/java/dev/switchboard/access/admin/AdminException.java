package dev.switchboard.access.admin;

/**
 * An admin operation that cannot be done: the thing is not there (404), already there (409), or the
 * request is not valid (400). The message names what, never a secret.
 */
public final class AdminException extends RuntimeException {
  private final int status;

  public AdminException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public static AdminException notFound(String message) {
    return new AdminException(404, message);
  }

  public static AdminException conflict(String message) {
    return new AdminException(409, message);
  }

  public static AdminException invalid(String message) {
    return new AdminException(400, message);
  }

  public int status() {
    return status;
  }
}
