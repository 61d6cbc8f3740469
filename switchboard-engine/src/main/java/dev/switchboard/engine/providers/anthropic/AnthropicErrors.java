package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Anthropic's errors (https://docs.anthropic.com/en/api/errors), {@code
 * {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}, in OpenAI's shape
 * {@code {message, type, param, code}} with Anthropic's message and type kept, as Portkey maps
 * them. Pure: no HTTP.
 */
public final class AnthropicErrors {
  private AnthropicErrors() {}

  /** The OpenAI-shaped error object for an Anthropic error body (or any other body). */
  public static ObjectNode errorObject(byte[] body) {
    try {
      return errorObject(WireJson.tree(body));
    } catch (WireFormatException e) {
      return error(new String(body, StandardCharsets.UTF_8).strip(), null);
    }
  }

  /** The OpenAI-shaped error object for a parsed Anthropic error body or error event. */
  public static ObjectNode errorObject(JsonNode json) {
    JsonNode error = json.path("error");
    if (error.isObject()) {
      return error(error.path("message").asText(""), textOrNull(error.path("type")));
    }
    if (json.has("message")) {
      return error(json.path("message").asText(), textOrNull(json.path("type")));
    }
    return error(json.toString(), null);
  }

  /**
   * The HTTP status Anthropic answers an error type with; for an error that arrives as an event in
   * a stream, which has no status of its own.
   */
  static int statusOf(String errorType) {
    return switch (errorType == null ? "" : errorType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500;
    };
  }

  /** The provider's error for an {@code error} event in a stream, with the status of its type. */
  static ProviderErrorException streamError(String provider, AnthropicStreamEvent.Error event) {
    ObjectNode body = errorObject(event.data());
    return new ProviderErrorException(
        statusOf(body.path("type").asText(null)), provider, body, List.of());
  }

  private static ObjectNode error(String message, String type) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message);
    error.put("type", type);
    error.putNull("param");
    error.putNull("code");
    return error;
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() ? node.asText() : null;
  }
}
