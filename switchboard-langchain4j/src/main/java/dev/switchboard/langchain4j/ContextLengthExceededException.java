package dev.switchboard.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;

/**
 * The provider said the request does not fit the model's context window (OpenAI's {@code
 * context_length_exceeded}). LangChain4j 1.19 has no exception of its own for it, so this one is an
 * {@link InvalidRequestException} (not retried, as LangChain4j's other 400s), which an app can
 * catch by name to trim its history and try again.
 */
public class ContextLengthExceededException extends InvalidRequestException {
  public ContextLengthExceededException(String message, Throwable cause) {
    super(message, cause);
  }
}
