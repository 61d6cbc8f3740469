package dev.switchboard.transport;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * The gateway answered with an error, or could not be reached: the status the server answers with
 * and OpenAI's error fields ({@code message}, {@code type}, {@code code}, {@code param}), the same
 * from both transports. The integrations turn it into their framework's exceptions.
 *
 * <p>The message never holds a credential or a request body: it is the gateway's error message.
 */
public final class GatewayCallException extends RuntimeException {
  /** The status of a gateway that could not be reached at all (no answer). */
  public static final int NO_ANSWER = 0;

  private final int status;
  private final String type;
  private final String code;
  private final String param;
  private final GatewayFacts facts;

  /**
   * @param status the HTTP status, or {@link #NO_ANSWER}
   * @param type OpenAI's error type, e.g. {@code invalid_request_error}, or {@code null}
   * @param code OpenAI's error code, e.g. {@code context_length_exceeded}, or {@code null}
   * @param param the request field at fault, or {@code null}
   * @param facts what the gateway did before failing, or {@code null} when unknown
   */
  public GatewayCallException(
      int status,
      String message,
      String type,
      String code,
      String param,
      GatewayFacts facts,
      Throwable cause) {
    super(message, cause);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.facts = facts;
  }

  /**
   * The error of an OpenAI-shaped error object ({@code {"message","type","code","param"}}) answered
   * with {@code status}.
   */
  static GatewayCallException fromErrorObject(int status, JsonNode error, GatewayFacts facts) {
    return new GatewayCallException(
        status,
        text(error.path("message")) == null
            ? "the gateway answered " + status
            : text(error.path("message")),
        text(error.path("type")),
        text(error.path("code")),
        text(error.path("param")),
        facts,
        null);
  }

  /**
   * An engine error, as the server would answer it (see the server's {@code ErrorResponses}): a
   * provider's error keeps its status and fields, the message prefixed by the provider's name.
   */
  static GatewayCallException fromEngine(GatewayException error, GatewayFacts facts) {
    return switch (error) {
      case ProviderErrorException provider -> {
        String message = provider.error().path("message").asText("");
        String prefix = provider.provider() + " error: ";
        yield new GatewayCallException(
            provider.status(),
            message.startsWith(prefix) ? message : prefix + message,
            text(provider.error().path("type")),
            text(provider.error().path("code")),
            text(provider.error().path("param")),
            facts,
            error);
      }
      case InvalidRequestException invalid ->
          own(invalid, "invalid_request_error", invalid.param(), facts);
      case PayloadTooLargeException tooLarge -> own(tooLarge, "invalid_request_error", null, facts);
      case RequestReadTimeoutException slow -> own(slow, "invalid_request_error", null, facts);
      case UpstreamTimeoutException timeout -> own(timeout, "timeout_error", null, facts);
      case UpstreamFailureException failure -> own(failure, "upstream_error", null, facts);
      case CircuitOpenException open -> own(open, "upstream_error", null, facts);
      case GuardrailDeniedException denied -> own(denied, "hooks_failed", null, facts);
      case AccessDeniedException denied ->
          new GatewayCallException(
              denied.status(),
              denied.getMessage(),
              denied.type(),
              denied.code(),
              null,
              facts,
              error);
      case GatewayUnavailableException unavailable -> own(unavailable, "api_error", null, facts);
      case dev.switchboard.engine.errors.ClientClosedException closed ->
          own(closed, "api_error", null, facts);
      case LimitExceededException limit ->
          new GatewayCallException(
              limit.status(), limit.getMessage(), limit.type(), limit.code(), null, facts, error);
    };
  }

  private static GatewayCallException own(
      GatewayException error, String type, String param, GatewayFacts facts) {
    return new GatewayCallException(
        error.status(), error.getMessage(), type, null, param, facts, error);
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
  }

  /** The HTTP status the gateway answered with, or {@link #NO_ANSWER}. */
  public int status() {
    return status;
  }

  /** OpenAI's error type, e.g. {@code invalid_request_error}, or {@code null}. */
  public String type() {
    return type;
  }

  /** OpenAI's error code, e.g. {@code context_length_exceeded}, or {@code null}. */
  public String code() {
    return code;
  }

  /** The request field at fault, or {@code null}. */
  public String param() {
    return param;
  }

  /** What the gateway did before failing (provider, retries, …), or {@code null}. */
  public GatewayFacts facts() {
    return facts;
  }

  /** Whether the provider said the request does not fit the model's context window. */
  public boolean contextLengthExceeded() {
    return "context_length_exceeded".equals(code);
  }
}
