package dev.switchboard.springai;

import dev.switchboard.transport.GatewayCallException;
import org.springframework.ai.retry.NonTransientAiException;
import org.springframework.ai.retry.TransientAiException;

/**
 * The gateway's errors as Spring AI's: {@link TransientAiException} for what is worth trying again
 * (429, 408, 5xx, no answer), {@link NonTransientAiException} for the rest, as Spring AI's retry
 * template tells them apart. The {@link GatewayCallException} is the cause: it keeps the status,
 * OpenAI's error code ({@code context_length_exceeded}, …) and the gateway's facts.
 */
final class SpringAiErrors {
  private SpringAiErrors() {}

  static RuntimeException toSpringAi(GatewayCallException error) {
    int status = error.status();
    String message = status + " - " + error.getMessage();
    boolean transientError =
        status == GatewayCallException.NO_ANSWER || status == 408 || status == 429 || status >= 500;
    return transientError
        ? new TransientAiException(message, error)
        : new NonTransientAiException(message, error);
  }
}
