package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.CircuitOpenException;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.LimitExceededException;
import dev.switchboard.engine.errors.PayloadTooLargeException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.errors.RequestReadTimeoutException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.errors.UpstreamTimeoutException;
import java.util.Map;

/**
 * The one place errors become responses. A provider's error keeps its status and comes back as
 * Portkey returns it: {@code {"error":{...},"provider":"openai"}}. An error of the gateway's own
 * carries Portkey's fields and OpenAI's, {@code
 * {"status":"failure","message":...,"error":{"message":...,"type":...}}}, so that both SDKs read
 * it, and is marked with {@code x-portkey-gateway-exception: true}.
 */
final class ErrorResponses {
  private ErrorResponses() {}

  /** An error answer: status, extra headers and JSON body. */
  record ErrorResponse(int status, Map<String, String> headers, ObjectNode body) {
    /** The same answer with a header set (replacing one of the same name). */
    ErrorResponse withHeader(String name, String value) {
      Map<String, String> more = new java.util.LinkedHashMap<>(headers);
      more.put(name, value);
      return new ErrorResponse(status, more, body);
    }
  }

  static ErrorResponse of(GatewayException error) {
    return switch (error) {
      case ProviderErrorException provider -> {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("error", prefixed(provider));
        body.put("provider", provider.provider());
        yield new ErrorResponse(provider.status(), Map.of(), body);
      }
      case InvalidRequestException invalid ->
          gateway(
              400, invalid.getMessage(), "invalid_request_error", invalid.param(), invalid.code());
      case PayloadTooLargeException tooLarge ->
          gateway(413, tooLarge.getMessage(), "invalid_request_error", null);
      case RequestReadTimeoutException slow ->
          gateway(408, slow.getMessage(), "invalid_request_error", null);
      case UpstreamTimeoutException timeout -> {
        // Portkey's 408, as its own fetch timeout writes it: OpenAI's error object alone.
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode inner = body.putObject("error");
        inner.put("message", timeout.getMessage());
        inner.put("type", "timeout_error");
        inner.putNull("param");
        inner.putNull("code");
        yield new ErrorResponse(408, Map.of(), body);
      }
      case UpstreamFailureException failure ->
          gateway(502, failure.getMessage(), "upstream_error", null);
      // Written to a connection already closed: for the access line, and an in-process caller.
      case dev.switchboard.engine.errors.ClientClosedException closed ->
          gateway(closed.status(), closed.getMessage(), "api_error", null);
      case CircuitOpenException open -> {
        ErrorResponse answer = gateway(503, open.getMessage(), "upstream_error", null);
        Map<String, String> headers = new java.util.LinkedHashMap<>(answer.headers());
        headers.put("retry-after", Long.toString(retrySeconds(open.retryAfter())));
        yield new ErrorResponse(503, headers, answer.body());
      }
      case GuardrailDeniedException denied -> {
        // Portkey's 446 body: an OpenAI-shaped error of type hooks_failed, and the hook results.
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode inner = body.putObject("error");
        inner.put("message", denied.getMessage());
        inner.put("type", "hooks_failed");
        inner.putNull("param");
        inner.putNull("code");
        body.set("hook_results", denied.hookResults());
        yield new ErrorResponse(denied.status(), Map.of(), body);
      }
      case AccessDeniedException denied -> {
        ErrorResponse answer =
            gateway(denied.status(), denied.getMessage(), denied.type(), null, denied.code());
        yield denied.status() == 401
            ? answer.withHeader("www-authenticate", "Bearer realm=\"" + AdminToken.REALM + "\"")
            : answer;
      }
      case GatewayUnavailableException unavailable -> {
        yield gateway(503, unavailable.getMessage(), "api_error", null)
            .withHeader(
                "retry-after",
                Long.toString(retrySeconds(GatewayUnavailableException.RETRY_AFTER)));
      }
      case LimitExceededException limit -> {
        ErrorResponse answer =
            gateway(limit.status(), limit.getMessage(), limit.type(), null, limit.code());
        Map<String, String> headers = new java.util.LinkedHashMap<>(answer.headers());
        headers.putAll(limit.headers());
        if (limit.retryAfter() != null) {
          headers.put("retry-after", Long.toString(retrySeconds(limit.retryAfter())));
        }
        yield new ErrorResponse(answer.status(), headers, answer.body());
      }
    };
  }

  /**
   * The provider's error object with its message prefixed by the provider's name, as Portkey writes
   * it ({@code "openai error: …"}); {@code param} and {@code code} are always there, null when the
   * provider had none; {@code type}, which OpenAI's schema requires, is the provider's, or the one
   * OpenAI gives the status where the provider sent none (Azure's errors, Cohere's).
   */
  private static ObjectNode prefixed(ProviderErrorException provider) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    String prefix = provider.provider() + " error: ";
    String message = provider.error().path("message").asText("");
    error.put("message", message.startsWith(prefix) ? message : prefix + message);
    for (String field : new String[] {"type", "param", "code"}) {
      error.set(
          field, provider.error().path(field).isMissingNode() ? null : provider.error().get(field));
      if (error.get(field) == null) {
        error.putNull(field);
      }
    }
    if (!error.get("type").isTextual()) {
      error.put("type", typeOf(provider.status()));
    }
    provider.error().properties().forEach(f -> error.putIfAbsent(f.getKey(), f.getValue()));
    return error;
  }

  /**
   * A failure in the middle of an Anthropic-format stream, as Anthropic's {@code error} event data
   * (https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events): {@code
   * {"type":"error","error":{"type":...,"message":...}}}; the provider's own type and message when
   * it sent them.
   */
  static ObjectNode anthropicErrorEvent(GatewayException failure) {
    ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", "error");
    ObjectNode error = event.putObject("error");
    if (failure instanceof ProviderErrorException provider
        && provider.error().path("type").isTextual()) {
      error.put("type", provider.error().get("type").asText());
      error.put("message", provider.error().path("message").asText(""));
    } else {
      error.put("type", failure.status() == 408 ? "timeout_error" : "api_error");
      error.put("message", failure.getMessage());
    }
    return event;
  }

  /**
   * The Responses API's {@code error} event for a failure in the middle of a stream
   * (https://platform.openai.com/docs/api-reference/responses-streaming/error): {@code code},
   * {@code message}, {@code param}, and its {@code sequence_number}.
   */
  static ObjectNode responsesErrorEvent(GatewayException failure, int sequenceNumber) {
    ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", "error");
    JsonNode error = of(failure).body().path("error");
    JsonNode code = error.path("code");
    event.put("code", code.isTextual() ? code.asText() : error.path("type").asText("api_error"));
    event.put("message", error.path("message").asText(failure.getMessage()));
    event.set("param", error.path("param").isMissingNode() ? null : error.get("param"));
    event.put("sequence_number", sequenceNumber);
    return event;
  }

  /**
   * An error on Anthropic's routes ({@code /v1/messages}, {@code count_tokens}): the same body with
   * Anthropic's {@code "type": "error"} first, so that it is Anthropic's error shape ({@code
   * {"type":"error","error":{"type":...,"message":...}}}, what Anthropic's SDKs read) as well as
   * Portkey's and OpenAI's. The {@code error.type} stays the gateway's or the provider's own.
   */
  static ErrorResponse anthropicShaped(ErrorResponse answer) {
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("type", "error");
    answer.body().properties().forEach(field -> body.putIfAbsent(field.getKey(), field.getValue()));
    return new ErrorResponse(answer.status(), answer.headers(), body);
  }

  /**
   * OpenAI's error {@code type} for a status, as the gateway's own errors use them: 401 {@code
   * authentication_error}, 403 {@code permission_error}, 408 {@code timeout_error}, 429 {@code
   * rate_limit_error}, any other 4xx {@code invalid_request_error} (OpenAI's type for its 400s and
   * 404s), 5xx {@code api_error}.
   */
  static String typeOf(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 408 -> "timeout_error";
      case 429 -> "rate_limit_error";
      default -> status < 500 ? "invalid_request_error" : "api_error";
    };
  }

  /** A {@code retry-after} in whole seconds, rounded up, at least 1. */
  private static long retrySeconds(java.time.Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }

  /** An error of the gateway's own, in the shape both Portkey's and OpenAI's SDKs read. */
  static ErrorResponse gateway(int status, String message, String type, String param) {
    return gateway(status, message, type, param, null);
  }

  /** An error of the gateway's own with OpenAI's {@code code} ({@code invalid_api_key}, …). */
  static ErrorResponse gateway(int status, String message, String type, String param, String code) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("status", "failure");
    body.put("message", message);
    ObjectNode error = body.putObject("error");
    error.put("message", message);
    error.put("type", type);
    if (param == null) {
      error.putNull("param");
    } else {
      error.put("param", param);
    }
    if (code == null) {
      error.putNull("code");
    } else {
      error.put("code", code);
    }
    return new ErrorResponse(status, Map.of(PortkeyHeaders.GATEWAY_EXCEPTION, "true"), body);
  }
}
