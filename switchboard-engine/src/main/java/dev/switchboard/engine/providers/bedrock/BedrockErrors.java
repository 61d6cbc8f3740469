package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bedrock's errors as the gateway's: an error status with a {@code {"message": …}} body and the
 * error's name in {@code x-amzn-ErrorType}
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html and each action's
 * Errors section), or an exception frame in an event stream. The client gets OpenAI's error shape
 * with Bedrock's message, and Bedrock's error name as its {@code type}; the status is the one AWS
 * documents for the error, so that retries and fallbacks treat a throttled call as a 429.
 */
final class BedrockErrors {
  private static final Pattern CONTEXT_LENGTH =
      Pattern.compile(
          "too long|too many (input )?tokens|context (length|window)|maximum context|input length",
          Pattern.CASE_INSENSITIVE);

  private BedrockErrors() {}

  /** The status AWS documents for an error name, or {@code fallback} for another name. */
  static int status(String errorType, int fallback) {
    if (errorType == null) {
      return fallback;
    }
    return switch (errorType.toLowerCase(Locale.ROOT)) {
      case "throttlingexception", "modelnotreadyexception", "toomanyrequestsexception" -> 429;
      case "validationexception" -> 400;
      case "accessdeniedexception",
          "unrecognizedclientexception",
          "invalidsignatureexception",
          "expiredtokenexception",
          "missingauthenticationtokenexception" ->
          403;
      case "resourcenotfoundexception" -> 404;
      case "modeltimeoutexception" -> 408;
      case "serviceunavailableexception" -> 503;
      case "internalserverexception" -> 500;
      case "modelerrorexception", "modelstreamerrorexception" -> 424;
      case "servicequotaexceededexception" -> 400;
      default -> fallback;
    };
  }

  /** An error answer of Bedrock's: the HTTP status, headers and body. */
  static ProviderErrorException fromResponse(
      int status, List<Map.Entry<String, String>> headers, byte[] body) {
    String type = null;
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().equalsIgnoreCase("x-amzn-errortype")) {
        type = header.getValue();
      }
    }
    String message;
    try {
      JsonNode json = BedrockJson.parse(body);
      message =
          json.has("message") ? json.get("message").asText() : json.path("Message").asText(null);
      if (type == null && json.hasNonNull("__type")) {
        type = json.get("__type").asText();
      }
      if (message == null) {
        message = json.toString();
      }
    } catch (WireFormatException e) {
      message = new String(body, StandardCharsets.UTF_8).strip();
    }
    String name = errorName(type);
    return new ProviderErrorException(
        status(name, status), "bedrock", errorObject(message, name), headers);
  }

  /**
   * An exception frame of an event stream ({@code :message-type: exception}, the name in {@code
   * :exception-type}, the payload {@code {"message": …}}).
   */
  static ProviderErrorException fromStreamException(String exceptionType, byte[] payload) {
    String message;
    try {
      JsonNode json = BedrockJson.parse(payload);
      message = json.path("message").asText(json.path("Message").asText(json.toString()));
    } catch (WireFormatException e) {
      message = new String(payload, StandardCharsets.UTF_8).strip();
    }
    String name = errorName(exceptionType);
    return new ProviderErrorException(
        status(name, 500), "bedrock", errorObject(message, name), List.of());
  }

  /**
   * The error's name, without the namespace AWS may add ({@code
   * ThrottlingException:http://internal.amazon.com/…}, {@code com.amazon…#ThrottlingException}),
   * with its first letter upper-cased (stream frames name it {@code throttlingException}).
   */
  static String errorName(String type) {
    if (type == null || type.isBlank()) {
      return null;
    }
    String name = type.strip();
    int colon = name.indexOf(':');
    if (colon > 0) {
      name = name.substring(0, colon);
    }
    int hash = name.lastIndexOf('#');
    if (hash >= 0) {
      name = name.substring(hash + 1);
    }
    return name.isEmpty() ? null : Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static ObjectNode errorObject(String message, String type) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message);
    error.put("type", type);
    error.putNull("param");
    if ("ValidationException".equals(type)
        && message != null
        && CONTEXT_LENGTH.matcher(message).find()) {
      error.put("code", "context_length_exceeded");
    } else {
      error.putNull("code");
    }
    return error;
  }
}
