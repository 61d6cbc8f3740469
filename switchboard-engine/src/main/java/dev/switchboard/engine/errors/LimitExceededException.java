package dev.switchboard.engine.errors;

import java.time.Duration;
import java.util.Map;

/**
 * A limit the caller is held to is reached: a rate limit (429, with the time until it lets the
 * request through) or a budget (412, Portkey's status for an exhausted budget; it waits for the
 * budget's next period or an operator). Answered before any upstream call.
 */
public final class LimitExceededException extends GatewayException {
  /** Portkey's status for an exhausted budget. */
  public static final int BUDGET_STATUS = 412;

  private final int status;
  private final String code;
  private final Duration retryAfter;
  private final Map<String, String> headers;

  private LimitExceededException(
      int status, String code, String message, Duration retryAfter, Map<String, String> headers) {
    super(message, null);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
    this.headers = Map.copyOf(headers);
  }

  /**
   * 429: a requests- or tokens-per-minute limit is reached.
   *
   * @param retryAfter how long until the request would be let through
   * @param headers the rate-limit headers to answer with (lower-case names)
   */
  public static LimitExceededException rateLimited(
      String message, Duration retryAfter, Map<String, String> headers) {
    return new LimitExceededException(
        429,
        "rate_limit_exceeded",
        message,
        retryAfter.isNegative() ? Duration.ZERO : retryAfter,
        headers);
  }

  /**
   * 412: a cost or token budget is spent for its period.
   *
   * @param retryAfter the time until the budget's next period, or {@code null} for a budget that
   *     never resets
   */
  public static LimitExceededException budgetExhausted(String message, Duration retryAfter) {
    return new LimitExceededException(
        BUDGET_STATUS, "budget_exceeded", message, retryAfter, Map.of());
  }

  /** OpenAI's error {@code code}: {@code rate_limit_exceeded} or {@code budget_exceeded}. */
  public String code() {
    return code;
  }

  /** The error's {@code type}: {@code rate_limit_error} (429) or {@code budget_exceeded} (412). */
  public String type() {
    return status() == 429 ? "rate_limit_error" : "budget_exceeded";
  }

  /** How long until the request could be let through, or {@code null} when not known. */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Extra response headers (the rate-limit headers), by lower-case name. */
  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public int status() {
    return status;
  }
}
