package dev.switchboard.engine.observe;

import java.time.Instant;

/**
 * One upstream attempt of a request: a target tried once (a retry is another attempt).
 *
 * @param index the attempt's place in the request, from 0
 * @param provider the target's provider
 * @param model the model the attempt asked for (after the target's {@code override_params}), or
 *     {@code null}
 * @param optionPath the target's place in the config ({@code config.targets[1]}, …)
 * @param retry which try of this target it was: 0 for the first, 1 for the first retry, …
 * @param startedAt when the attempt began
 * @param durationMs how long it took, to its answer (for a stream: its first event) or failure
 * @param status the status of its answer or failure: 200, the provider's error status, 408 for a
 *     timeout, 502 for a connection failure, 503 for an open circuit, 446 for a guardrail denial
 * @param errorType the kind of failure (see {@link ErrorTypes}), {@code null} when it answered
 * @param cacheStatus the cache's verdict for this attempt ({@code HIT}, {@code MISS}, …)
 * @param waitAfterMs the wait before the next try of the same target (a retry's backoff), or 0
 */
public record AttemptRecord(
    int index,
    String provider,
    String model,
    String optionPath,
    int retry,
    Instant startedAt,
    double durationMs,
    int status,
    String errorType,
    String cacheStatus,
    double waitAfterMs) {

  /** This attempt with the wait that followed it before the target was tried again. */
  public AttemptRecord withWaitAfter(java.time.Duration wait) {
    return new AttemptRecord(
        index,
        provider,
        model,
        optionPath,
        retry,
        startedAt,
        durationMs,
        status,
        errorType,
        cacheStatus,
        wait.toNanos() / 1e6);
  }

  /** Whether the attempt answered. */
  public boolean succeeded() {
    return errorType == null;
  }
}
