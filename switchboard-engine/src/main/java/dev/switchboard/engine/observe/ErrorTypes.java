package dev.switchboard.engine.observe;

import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.CircuitOpenException;
import dev.switchboard.engine.errors.ClientClosedException;
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

/** The kinds of failure a request record names, for grouping errors in the logs and metrics. */
public final class ErrorTypes {
  public static final String INVALID_REQUEST = "invalid_request";
  public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
  public static final String RATE_LIMITED = "rate_limited";
  public static final String PROVIDER_ERROR = "provider_error";
  public static final String TIMEOUT = "timeout";
  public static final String UPSTREAM_FAILURE = "upstream_failure";
  public static final String CIRCUIT_OPEN = "circuit_open";
  public static final String GUARDRAIL_DENIED = "guardrail_denied";
  public static final String CLIENT_CLOSED = "client_closed";
  public static final String STREAM_CUT = "stream_cut";
  public static final String UNAUTHENTICATED = "unauthenticated";
  public static final String FORBIDDEN = "forbidden";
  public static final String BUDGET_EXHAUSTED = "budget_exhausted";
  public static final String UNAVAILABLE = "unavailable";

  /** The client sent its body slower than the gateway's minimum data rate. */
  public static final String CLIENT_TOO_SLOW = "client_too_slow";

  /** The status of a request whose client went away before it was answered (nginx's). */
  public static final int CLIENT_CLOSED_STATUS = ClientClosedException.STATUS;

  private ErrorTypes() {}

  /**
   * The kind of a provider's error answer, by its status: whether the gateway made it its error or
   * relayed it as the provider gave it (a passed-through route), a 429 is a rate limit.
   */
  public static String ofProviderStatus(int status) {
    return status == 429 ? RATE_LIMITED : PROVIDER_ERROR;
  }

  /** The kind of a gateway error. */
  public static String of(GatewayException error) {
    return switch (error) {
      case InvalidRequestException invalid -> INVALID_REQUEST;
      case PayloadTooLargeException tooLarge -> PAYLOAD_TOO_LARGE;
      case RequestReadTimeoutException slow -> CLIENT_TOO_SLOW;
      case ProviderErrorException provider -> ofProviderStatus(provider.status());
      case UpstreamTimeoutException timeout -> TIMEOUT;
      case UpstreamFailureException failure -> UPSTREAM_FAILURE;
      case CircuitOpenException open -> CIRCUIT_OPEN;
      case GuardrailDeniedException denied -> GUARDRAIL_DENIED;
      case AccessDeniedException denied -> denied.status() == 401 ? UNAUTHENTICATED : FORBIDDEN;
      case LimitExceededException limit -> limit.status() == 429 ? RATE_LIMITED : BUDGET_EXHAUSTED;
      case GatewayUnavailableException unavailable -> UNAVAILABLE;
      case ClientClosedException closed -> CLIENT_CLOSED;
    };
  }
}
