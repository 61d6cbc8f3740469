package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Map;

/**
 * An error as OpenAI answers it: {@code {"error":{"message","type","param","code"}}}, every key
 * present, {@code param} and {@code code} {@code null} when they do not apply
 * (https://platform.openai.com/docs/guides/error-codes). The wording of each message is OpenAI's.
 *
 * @param code a string, {@code null}, or (for Cloudflare's 5xx pages) the status as a number
 */
record ApiError(int status, String message, String type, String param, JsonNode code) {

  private static final String INVALID_REQUEST = "invalid_request_error";

  ApiError(int status, String message, String type, String param, String code) {
    this(status, message, type, param, code == null ? NullNode.instance : TextNode.valueOf(code));
  }

  /** {@code {"error":{...}}}. */
  ObjectNode body() {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.set("code", code);
    return body;
  }

  Reply.Json reply(Map<String, String> headers) {
    return new Reply.Json(status, body(), headers);
  }

  Reply.Json reply() {
    return reply(Map.of());
  }

  /** Thrown while reading a request that OpenAI would refuse; answered as {@link #reply()}. */
  static final class Rejection extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ApiError error;

    Rejection(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }

    ApiError error() {
      return error;
    }
  }

  Rejection rejection() {
    return new Rejection(this);
  }

  static ApiError invalidRequest(String message, String param, String code) {
    return new ApiError(400, message, INVALID_REQUEST, param, code);
  }

  static ApiError unparsableJson() {
    return invalidRequest(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
            + " using your HTTP library correctly. The OpenAI API expects a JSON payload, but what"
            + " was sent was not valid JSON. If you have trouble figuring out how to fix this,"
            + " please contact us through our help center at help.openai.com.)",
        null,
        null);
  }

  static ApiError missingModel() {
    return invalidRequest("you must provide a model parameter", null, null);
  }

  static ApiError missingParameter(String name) {
    return invalidRequest(
        "Missing required parameter: '" + name + "'.", name, "missing_required_parameter");
  }

  static ApiError belowMinimum(String name, JsonNode value, int minimum) {
    return invalidRequest(
        value + " is less than the minimum of " + minimum + " - '" + name + "'", null, null);
  }

  static ApiError aboveMaximum(String name, JsonNode value, int maximum) {
    return invalidRequest(
        value + " is greater than the maximum of " + maximum + " - '" + name + "'", null, null);
  }

  static ApiError invalidType(String name, String expected, JsonNode actual) {
    return invalidRequest(
        "Invalid type for '"
            + name
            + "': expected "
            + expected
            + ", but got "
            + describe(actual)
            + " instead.",
        name,
        "invalid_type");
  }

  static ApiError invalidUrl(String method, String path) {
    return new ApiError(
        404, "Invalid URL (" + method + " " + path + ")", INVALID_REQUEST, null, (String) null);
  }

  static ApiError invalidMethod(String method, String path) {
    return new ApiError(
        405,
        "Invalid method for URL (" + method + " " + path + ")",
        INVALID_REQUEST,
        null,
        (String) null);
  }

  private static String describe(JsonNode value) {
    return switch (value.getNodeType()) {
      case STRING -> "a string";
      case NUMBER -> value.isIntegralNumber() ? "an integer" : "a decimal";
      case BOOLEAN -> "a boolean";
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      default -> "null";
    };
  }

  /** A model named in a request body that does not exist. */
  static ApiError modelNotFound(String model) {
    return new ApiError(
        404,
        "The model `" + model + "` does not exist or you do not have access to it.",
        INVALID_REQUEST,
        null,
        "model_not_found");
  }

  /** {@code GET /v1/models/{id}} of a model that does not exist. */
  static ApiError noSuchModel(String id) {
    return new ApiError(
        404, "The model '" + id + "' does not exist", INVALID_REQUEST, "model", "model_not_found");
  }

  static ApiError missingApiKey() {
    return new ApiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization"
            + " header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password"
            + " field (with blank username) if you're accessing the API from your browser and are"
            + " prompted for a username and password. You can obtain an API key from"
            + " https://platform.openai.com/account/api-keys.",
        INVALID_REQUEST,
        null,
        (String) null);
  }

  /** OpenAI shows the start and the last four characters of a wrong key, never all of it. */
  static ApiError incorrectApiKey(String key) {
    String masked =
        key.length() <= 8
            ? "*".repeat(key.length())
            : key.substring(0, 3) + "*".repeat(key.length() - 7) + key.substring(key.length() - 4);
    return new ApiError(
        401,
        "Incorrect API key provided: "
            + masked
            + ". You can find your API key at https://platform.openai.com/account/api-keys.",
        INVALID_REQUEST,
        null,
        "invalid_api_key");
  }

  /**
   * The error OpenAI answers with for {@code status}, in its words, about a request naming {@code
   * model} with {@code authorization}.
   */
  static ApiError forStatus(int status, String model, String authorization) {
    return switch (status) {
      case 400 ->
          invalidRequest(
              "This model's maximum context length is 128000 tokens. However, your messages"
                  + " resulted in 130000 tokens. Please reduce the length of the messages.",
              "messages",
              "context_length_exceeded");
      case 401 ->
          authorization == null || !authorization.startsWith("Bearer ")
              ? missingApiKey()
              : incorrectApiKey(authorization.substring("Bearer ".length()));
      case 403 ->
          new ApiError(
              403,
              "Country, region, or territory not supported",
              "request_forbidden",
              null,
              "unsupported_country_region_territory");
      case 404 -> modelNotFound(model);
      case 429 ->
          new ApiError(
              429,
              "Rate limit reached for "
                  + model
                  + " in organization org-fake on requests per min (RPM): Limit 3, Used 3,"
                  + " Requested 1. Please try again in 20s. Visit"
                  + " https://platform.openai.com/account/rate-limits to learn more.",
              "requests",
              null,
              "rate_limit_exceeded");
      // Cloudflare, in front of OpenAI, answers these with the status as a numeric code.
      case 502 -> new ApiError(502, "Bad gateway.", "cf_bad_gateway", null, IntNode.valueOf(502));
      case 503 ->
          new ApiError(
              503,
              "Our servers are currently overloaded. Please try again later.",
              "service_unavailable_error",
              null,
              "server_is_overloaded");
      case 504, 524 ->
          new ApiError(
              status, "Gateway timeout.", "cf_gateway_timeout", null, IntNode.valueOf(status));
      default ->
          status < 500
              ? new ApiError(
                  status,
                  "Invalid request (HTTP " + status + ").",
                  INVALID_REQUEST,
                  null,
                  (String) null)
              : new ApiError(
                  status,
                  "The server had an error while processing your request. Sorry about that!",
                  "server_error",
                  null,
                  (String) null);
    };
  }
}
