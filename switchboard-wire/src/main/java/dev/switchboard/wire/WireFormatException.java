package dev.switchboard.wire;

/**
 * A JSON document that is not valid JSON or does not fit the wire model (a message without a known
 * role, a field of the wrong type). The message says what and where, without echoing the document.
 */
public final class WireFormatException extends RuntimeException {
  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  public WireFormatException(String message) {
    super(message);
  }
}
