package dev.switchboard.access.limits;

import dev.switchboard.access.Subject;
import dev.switchboard.engine.errors.LimitExceededException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Holds requests to their subjects' rate limits and budgets. {@link #admit} reserves what a request
 * may use, pessimistically, against every subject at once (all or nothing); {@link Hold#settle}
 * replaces the reservation with what it used. Correct under concurrency in one process and, with
 * shared storage (Redis for rates, the SQL store for budgets), across gateway nodes.
 */
public interface Limiter extends AutoCloseable {

  /**
   * Admits one request against every subject, or refuses it and holds nothing.
   *
   * @throws LimitExceededException 429 (a rate limit, with the wait) or 412 (a budget)
   */
  Hold admit(List<Subject> subjects, Estimate estimate);

  /** Usage of one subject in its current minute and budget period, for the admin API. */
  Usage usage(Subject subject);

  @Override
  void close();

  /**
   * What a request may use at most, reckoned before it is sent.
   *
   * @param costUsd the most it may cost, or {@code null} when its model has no price
   * @param tokens the most tokens it may use (prompt estimate and {@code max_tokens})
   */
  record Estimate(BigDecimal costUsd, long tokens) {}

  /**
   * What a request used, once it is over.
   *
   * @param costUsd what it cost, or {@code null} when unknown (then the estimate stays charged)
   * @param tokens the tokens it used, or {@code null} when unknown (likewise)
   */
  record Used(BigDecimal costUsd, Long tokens) {
    public static final Used NOTHING = new Used(BigDecimal.ZERO, 0L);
  }

  /** A request's reservation, settled exactly once. */
  interface Hold {
    /** Replaces the reservation with what the request used; later calls do nothing. */
    void settle(Used used);

    /**
     * Rate-limit headers for the answer, of the tightest limit, with OpenAI's lower-case names:
     * {@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-requests}, {@code
     * x-ratelimit-reset-requests} and the same for {@code -tokens}.
     */
    Map<String, String> headers();
  }

  /**
   * A subject's usage.
   *
   * @param requestsThisMinute requests started in the current minute window
   * @param tokensThisMinute tokens used in it
   * @param periodStart the start of the budget's current period, or {@code null} without a budget
   * @param spentUsd settled cost in the period
   * @param spentTokens settled tokens in the period
   * @param reservedUsd cost reserved by requests in flight
   * @param reservedTokens tokens reserved by requests in flight
   */
  record Usage(
      long requestsThisMinute,
      long tokensThisMinute,
      java.time.Instant periodStart,
      BigDecimal spentUsd,
      long spentTokens,
      BigDecimal reservedUsd,
      long reservedTokens) {}
}
