package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.ResponseFacts;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.providers.Target;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/**
 * One upstream attempt's entry in its request's {@link Journal}: a target tried once (a retry is
 * another attempt). The router writes where it went, how it ended and the wait after it; the cache
 * its status, the stored answer's age and the cost it saved; the guardrails their results.
 */
public final class AttemptEntry {
  private final int index;
  private final Target target;
  private final String optionPath;
  private final int retry;
  private final Instant startedAt;
  private final long startedNanos;
  private String model;
  private double durationMs;
  private int status;
  private GatewayException failure;
  private double waitAfterMs;
  private boolean retriesRanOut;
  private String cacheStatus = ResponseFacts.CACHE_DISABLED;
  private Long cacheAgeSeconds;
  private BigDecimal savedCostUsd;
  private GuardrailReport guardrails;

  AttemptEntry(
      int index, Target target, String model, String optionPath, int retry, Instant startedAt) {
    this.index = index;
    this.target = target;
    this.model = model;
    this.optionPath = optionPath;
    this.retry = retry;
    this.startedAt = startedAt;
    this.startedNanos = System.nanoTime();
  }

  // The router.

  /** The attempt's place in the request, from 0. */
  public int index() {
    return index;
  }

  /** Where the attempt went. */
  public Target target() {
    return target;
  }

  /** The attempt's target's place in the config ({@code config.targets[1]}, …). */
  public String optionPath() {
    return optionPath;
  }

  /** Which try of this target it was: 0 for the first, 1 for the first retry, … */
  public int retry() {
    return retry;
  }

  /** When the attempt began. */
  public Instant startedAt() {
    return startedAt;
  }

  /** How long it took, to its answer (for a stream: its first event) or failure, in ms. */
  public double durationMs() {
    return durationMs;
  }

  /**
   * The status of its answer or failure: 200 (a passed-through answer's own), the provider's error
   * status, 408 for a timeout, 502 for a connection failure, 503 for an open circuit, 446 for a
   * guardrail denial; 0 while it is under way.
   */
  public int status() {
    return status;
  }

  /** Its failure, or {@code null} when it answered (or is under way). */
  public GatewayException failure() {
    return failure;
  }

  /** The wait before the next try of the same target (a retry's backoff), in ms, or 0. */
  public double waitAfterMs() {
    return waitAfterMs;
  }

  /**
   * Retries made on the attempt's target, as Portkey's {@code x-portkey-retry-attempt-count} tells
   * them: its retry index, or -1 when it was the last retry and retries ran out.
   */
  public int retryAttemptCount() {
    return retriesRanOut ? -1 : retry;
  }

  /** Records that the attempt answered with {@code answeredStatus}. */
  public void answered(int answeredStatus) {
    this.durationMs = (System.nanoTime() - startedNanos) / 1e6;
    this.status = answeredStatus;
  }

  /** Records that the attempt failed so. */
  public void failed(GatewayException failed) {
    this.durationMs = (System.nanoTime() - startedNanos) / 1e6;
    this.status = failed.status();
    this.failure = failed;
  }

  /** Records the wait that followed the attempt before its target was tried again. */
  public void waitAfter(Duration wait) {
    this.waitAfterMs = wait.toNanos() / 1e6;
  }

  /** Records that the attempt was its target's last retry and retries ran out. */
  public void retriesRanOut() {
    this.retriesRanOut = true;
  }

  /**
   * The model the attempt asked for (after the target's {@code override_params} and any rewrite of
   * the request), or {@code null}.
   */
  public String model() {
    return model;
  }

  // The guardrails.

  /** Records the model an input hook's rewrite of the request now asks for. */
  public void modelSent(String rewritten) {
    this.model = rewritten;
  }

  /** The guardrails' results for this attempt, or {@code null} when no hook ran. */
  public GuardrailReport guardrails() {
    return guardrails;
  }

  public void guardrails(GuardrailReport report) {
    this.guardrails = report;
  }

  // The cache.

  /** Portkey's {@code x-portkey-cache-status} for this attempt: {@code HIT}, {@code MISS}, … */
  public String cacheStatus() {
    return cacheStatus;
  }

  /** Records the cache's verdict on an attempt it passed on. */
  public void cacheStatus(String status) {
    this.cacheStatus = status;
  }

  /** Records that the cache answered the attempt with a stored answer of that age. */
  public void cacheHit(String status, long ageSeconds, BigDecimal saved) {
    this.cacheStatus = status;
    this.cacheAgeSeconds = ageSeconds;
    this.savedCostUsd = saved;
  }

  /** For an answer from the cache, the stored answer's age in seconds; else {@code null}. */
  public Long cacheAgeSeconds() {
    return cacheAgeSeconds;
  }

  /**
   * For an answer from the cache, what it would have cost at the provider, in US dollars; {@code
   * null} for any other answer, or when unknown.
   */
  public BigDecimal savedCostUsd() {
    return savedCostUsd;
  }
}
