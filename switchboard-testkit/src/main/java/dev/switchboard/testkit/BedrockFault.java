package dev.switchboard.testkit;

import java.util.Objects;

/**
 * A failure {@link FakeBedrock} plays for one correctly signed request, as Bedrock would: an error
 * answer ({@code {"message": …}} with its name in {@code x-amzn-ErrorType}), an exception frame in
 * the middle of a stream, or a stream cut short.
 */
public sealed interface BedrockFault {

  /**
   * An error answer.
   *
   * @param status the HTTP status
   * @param errorType the error's name, as in {@code x-amzn-ErrorType} ({@code ThrottlingException})
   */
  record Error(int status, String errorType, String message) implements BedrockFault {
    public Error {
      Objects.requireNonNull(errorType);
      Objects.requireNonNull(message);
    }
  }

  /**
   * A stream that sends {@code events} events, then an exception frame ({@code :message-type:
   * exception}) and ends.
   *
   * @param exceptionType as in {@code :exception-type}, e.g. {@code throttlingException}, {@code
   *     modelStreamErrorException}
   */
  record StreamException(int events, String exceptionType, String message)
      implements BedrockFault {}

  /** A stream (or a JSON body) cut off after {@code events} events: the connection closes. */
  record CutStreamAfter(int events) implements BedrockFault {}

  /** A stream whose first frame's message checksum is wrong. */
  record CorruptFrame() implements BedrockFault {}

  /** 429 ThrottlingException, "Too many requests, please wait before trying again." */
  static Error throttling() {
    return new Error(
        429, "ThrottlingException", "Too many requests, please wait before trying again.");
  }

  /** 400 ValidationException with this message. */
  static Error validation(String message) {
    return new Error(400, "ValidationException", message);
  }

  /** 403 AccessDeniedException. */
  static Error accessDenied() {
    return new Error(
        403,
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID.");
  }

  /** 503 ServiceUnavailableException. */
  static Error serviceUnavailable() {
    return new Error(
        503, "ServiceUnavailableException", "Bedrock is unable to process your request.");
  }

  /** 429 ModelNotReadyException. */
  static Error modelNotReady() {
    return new Error(
        429, "ModelNotReadyException", "Model is not ready to serve inference requests.");
  }

  /** 408 ModelTimeoutException. */
  static Error modelTimeout() {
    return new Error(
        408, "ModelTimeoutException", "Model has timed out in processing the request.");
  }

  static StreamException streamException(int events, String exceptionType, String message) {
    return new StreamException(events, exceptionType, message);
  }

  static CutStreamAfter cutStreamAfter(int events) {
    return new CutStreamAfter(events);
  }

  static CorruptFrame corruptFrame() {
    return new CorruptFrame();
  }
}
