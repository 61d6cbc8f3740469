package dev.switchboard.engine.errors;

/**
 * The client went away before its answer: it closed the connection, or the thread serving it was
 * interrupted (the in-process facade's caller cancelled). Never the provider's failure: it is not
 * retried, not fallen back from, and does not count against a circuit. Status 499, nginx's "client
 * closed request", which only the request log and the access line see: nobody is left to read it.
 */
public final class ClientClosedException extends GatewayException {
  /** nginx's status for a request whose client closed the connection before the answer. */
  public static final int STATUS = 499;

  public ClientClosedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int status() {
    return STATUS;
  }
}
