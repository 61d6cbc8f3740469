package dev.switchboard.engine.errors;

/**
 * An error the gateway answers a request with. The hierarchy is closed: the server maps each kind
 * to a status and a body in one place, and the in-process {@code Gateway} throws them as they are.
 *
 * <p>Messages never contain a credential or a request body.
 */
public abstract sealed class GatewayException extends RuntimeException
    permits InvalidRequestException,
        PayloadTooLargeException,
        RequestReadTimeoutException,
        ProviderErrorException,
        UpstreamTimeoutException,
        UpstreamFailureException,
        CircuitOpenException,
        GuardrailDeniedException,
        AccessDeniedException,
        LimitExceededException,
        GatewayUnavailableException,
        ClientClosedException {

  GatewayException(String message, Throwable cause) {
    super(message, cause, false, false);
  }

  /** The HTTP status this error is answered with. */
  public abstract int status();
}
