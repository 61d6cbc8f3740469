package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;

/**
 * Google's API errors (https://cloud.google.com/apis/design/errors), {@code
 * {"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}} (Vertex AI sometimes wraps it
 * in a one-element array), in OpenAI's shape {@code {message, type, param, code}} as Portkey maps
 * them: Google's message, its {@code status} as {@code type}, its {@code code} as {@code code}, in
 * digits: OpenAI's schema has {@code code} a string or null, where Portkey leaves Google's number
 * (OpenAI's Java SDK refuses a number there). Pure: no HTTP.
 */
public final class GoogleErrors {
  private GoogleErrors() {}

  /** The OpenAI-shaped error object for a Google error body (or any other body). */
  public static ObjectNode errorObject(byte[] body) {
    JsonNode json;
    try {
      json = WireJson.tree(body);
    } catch (WireFormatException e) {
      return error(new String(body, StandardCharsets.UTF_8).strip(), null, null);
    }
    JsonNode error = googleError(json);
    if (error != null) {
      return errorObject(error);
    }
    return error(json.toString(), null, null);
  }

  /** Whether {@code json} is Google's error body, bare or in an array. */
  public static JsonNode googleError(JsonNode json) {
    JsonNode error = json.isArray() ? json.path(0).path("error") : json.path("error");
    return error.isObject() && (error.has("status") || error.path("code").isNumber())
        ? error
        : null;
  }

  /** The OpenAI-shaped error object for Google's {@code error} object. */
  public static ObjectNode errorObject(JsonNode error) {
    JsonNode code = error.path("code");
    return error(
        error.path("message").asText(""),
        error.path("status").isTextual() ? error.path("status").asText() : null,
        code.isNumber() ? JsonNodeFactory.instance.textNode(code.asText()) : null);
  }

  /** The HTTP status of Google's {@code error} object: its {@code code}, else by its status. */
  public static int status(JsonNode error) {
    int code = error.path("code").asInt(0);
    if (code >= 400 && code <= 599) {
      return code;
    }
    return switch (error.path("status").asText("")) {
      case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> 400;
      case "UNAUTHENTICATED" -> 401;
      case "PERMISSION_DENIED" -> 403;
      case "NOT_FOUND" -> 404;
      case "ABORTED", "ALREADY_EXISTS" -> 409;
      case "RESOURCE_EXHAUSTED" -> 429;
      case "CANCELLED" -> 499;
      case "UNIMPLEMENTED" -> 501;
      case "UNAVAILABLE" -> 503;
      case "DEADLINE_EXCEEDED" -> 504;
      default -> 500;
    };
  }

  private static ObjectNode error(String message, String type, JsonNode code) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message);
    error.put("type", type);
    error.putNull("param");
    if (code != null) {
      error.set("code", code);
    } else {
      error.putNull("code");
    }
    return error;
  }
}
