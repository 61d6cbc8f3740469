package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An error as Anthropic answers it (https://docs.anthropic.com/en/api/errors): {@code
 * {"type":"error","error":{"type":...,"message":...},"request_id":...}}, with the status Anthropic
 * gives each type.
 */
record AnthropicError(int status, String type, String message) {

  /** The response body. */
  ObjectNode body(String requestId) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    body.put("request_id", requestId);
    return body;
  }

  /** The data of a streamed {@code error} event (no request id: it is in the headers). */
  ObjectNode event() {
    ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", "error");
    event.putObject("error").put("type", type).put("message", message);
    return event;
  }

  Reply.Json reply(String requestId, Map<String, String> headers) {
    return new Reply.Json(status, body(requestId), headers);
  }

  static AnthropicError invalidRequest(String message) {
    return new AnthropicError(400, "invalid_request_error", message);
  }

  /** The error Anthropic answers for {@code status}, for a {@link Fault.Status}. */
  static AnthropicError forStatus(int status) {
    return switch (status) {
      case 400 -> invalidRequest("prompt is too long: 210000 tokens > 200000 maximum");
      case 401 -> new AnthropicError(401, "authentication_error", "invalid x-api-key");
      case 402 ->
          new AnthropicError(
              402, "billing_error", "Your credit balance is too low to access the Anthropic API.");
      case 403 ->
          new AnthropicError(
              403,
              "permission_error",
              "Your API key does not have permission to use the specified resource.");
      case 404 ->
          new AnthropicError(404, "not_found_error", "The requested resource could not be found.");
      case 413 ->
          new AnthropicError(
              413, "request_too_large", "Request exceeds the maximum allowed number of bytes.");
      case 429 ->
          new AnthropicError(
              429,
              "rate_limit_error",
              "This request would exceed the rate limit for your organization of 50 requests per"
                  + " minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.");
      case 504 -> new AnthropicError(504, "timeout_error", "Request timed out while processing.");
      case 529 -> new AnthropicError(529, "overloaded_error", "Overloaded");
      default -> new AnthropicError(status, "api_error", "Internal server error");
    };
  }

  /** Thrown while reading a request Anthropic would refuse. */
  static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient AnthropicError error;

    Rejection(AnthropicError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    AnthropicError error() {
      return error;
    }
  }

  static Rejection reject(String message) {
    return new Rejection(invalidRequest(message));
  }
}
