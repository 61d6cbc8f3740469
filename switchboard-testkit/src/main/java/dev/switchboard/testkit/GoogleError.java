package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * An error as Google's APIs answer it (https://cloud.google.com/apis/design/errors): {@code
 * {"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}}, the HTTP status in {@code
 * code} and the canonical error code in {@code status}.
 */
record GoogleError(int status, String code, String message) {

  ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.putObject("error").put("code", status).put("message", message).put("status", code);
    return body;
  }

  Reply.Json reply(Map<String, String> headers) {
    return new Reply.Json(status, body(), headers);
  }

  static GoogleError invalidArgument(String message) {
    return new GoogleError(400, "INVALID_ARGUMENT", message);
  }

  /** Google's error for an HTTP status, with the wording its APIs use. */
  static GoogleError forStatus(int status) {
    return switch (status) {
      case 400 -> invalidArgument("Request contains an invalid argument.");
      case 401 ->
          new GoogleError(
              401,
              "UNAUTHENTICATED",
              "Request had invalid authentication credentials. Expected OAuth 2 access token,"
                  + " login cookie or other valid authentication credential.");
      case 403 -> new GoogleError(403, "PERMISSION_DENIED", "The caller does not have permission");
      case 404 -> new GoogleError(404, "NOT_FOUND", "Requested entity was not found.");
      case 429 ->
          new GoogleError(
              429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
      case 499 -> new GoogleError(499, "CANCELLED", "The operation was cancelled.");
      case 500 ->
          new GoogleError(
              500, "INTERNAL", "An internal error has occurred. Please retry or report it.");
      case 503 ->
          new GoogleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
      case 504 ->
          new GoogleError(
              504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.");
      default -> new GoogleError(status, "UNKNOWN", "Unknown error.");
    };
  }

  /** Thrown while reading a request Google would refuse. */
  static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient GoogleError error;

    Rejection(GoogleError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    GoogleError error() {
      return error;
    }
  }

  static Rejection reject(String message) {
    return new Rejection(invalidArgument(message));
  }
}
