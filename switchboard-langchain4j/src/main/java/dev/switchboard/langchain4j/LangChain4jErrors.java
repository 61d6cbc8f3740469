package dev.switchboard.langchain4j;

import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.TimeoutException;
import dev.switchboard.transport.GatewayCallException;

/**
 * The gateway's errors as LangChain4j's exceptions, by status as LangChain4j's own modules map
 * them, so that its retry ({@code RetriableException}s: rate limits, timeouts, server errors) and
 * the app see each for what it is. The {@link GatewayCallException} is the cause: it keeps the
 * status, OpenAI's error code and the gateway's facts.
 */
final class LangChain4jErrors {
  private LangChain4jErrors() {}

  static RuntimeException toLangChain4j(GatewayCallException error) {
    String message = error.getMessage();
    int status = error.status();
    if (status == GatewayCallException.NO_ANSWER) {
      return new RetriableException(message, error);
    }
    if (error.contextLengthExceeded()) {
      return new ContextLengthExceededException(message, error);
    }
    return switch (status) {
      case 401, 403 -> new AuthenticationException(message, error);
      case 404 -> new ModelNotFoundException(message, error);
      case 408 -> new TimeoutException(message, error);
      case 429 -> new RateLimitException(message, error);
      default ->
          status >= 500
              ? new InternalServerException(message, error)
              : new InvalidRequestException(message, error);
    };
  }
}
