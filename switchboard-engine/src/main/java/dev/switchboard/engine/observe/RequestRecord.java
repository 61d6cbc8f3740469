package dev.switchboard.engine.observe;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the gateway did for one request, written once the request is over (for a stream: when it
 * ended or was cut). The one observation every sink reads: the request log, the metrics, the
 * traces. Never holds a credential: the gateway key appears only as {@link #apiKeyId}, a digest.
 *
 * @param id the gateway's own id of the request ({@code x-switchboard-request-id}), time-ordered
 * @param traceId Portkey's {@code x-portkey-trace-id}: the client's, or one the gateway made
 * @param traceparent the client's W3C {@code traceparent} header, or {@code null}
 * @param startedAt when the gateway started on the request
 * @param method the HTTP method ({@code POST}, or the passed-through request's)
 * @param path the gateway path called, e.g. {@code /v1/chat/completions}
 * @param workspace the caller's workspace, once its gateway key was authenticated; else {@code
 *     null}
 * @param apiKeyId the id of the caller's gateway key once authenticated, else a digest naming the
 *     key it sent ({@code x-portkey-api-key}), or {@code null} for none; never the key
 * @param config the config that routed the request: a saved config's id, {@code inline:} and a
 *     digest of an inline one's JSON, or {@code null} for none (headers only)
 * @param requestModel the model the request named, or {@code null}
 * @param provider the provider of the last attempt, or {@code null} when none was made
 * @param model the model that answered (as the answer names it), else the last attempt's
 * @param optionPath the last attempt's target in the config, Portkey's {@code
 *     x-portkey-last-used-option-index}
 * @param retries retries over all attempts (an attempt that is not a target's first)
 * @param fallbackUsed whether the answer (or the last failure) came from another target than the
 *     first one tried
 * @param cacheStatus Portkey's cache status of the last attempt ({@code HIT}, {@code MISS}, …)
 * @param cacheAgeSeconds for an answer from the cache, the age of the stored answer; else {@code
 *     null}
 * @param status the HTTP status the client was answered with (499: the client went away first)
 * @param errorType the kind of failure (see {@link ErrorTypes}), {@code null} on success
 * @param promptTokens the answer's prompt tokens, or {@code null} when unknown
 * @param completionTokens the answer's completion tokens, or {@code null}
 * @param cachedTokens of the prompt tokens, those read from the provider's prompt cache, or {@code
 *     null}
 * @param costUsd what the answer cost at the provider in US dollars (zero from the cache), or
 *     {@code null} when unknown
 * @param savedCostUsd for an answer from the cache, what it would have cost; else {@code null}
 * @param latencyMs from the start of the request to its end (a stream's last event)
 * @param ttftMs for a stream, the time to its first event; else {@code null}
 * @param streamed whether the answer was a stream
 * @param streamEnd how a stream ended; {@code null} for any other answer
 * @param metadata the caller's {@code x-portkey-metadata}
 * @param guardrails the guardrails' verdict: {@code passed}, {@code failed}, {@code denied}, or
 *     {@code null} when no hook ran
 * @param attempts the upstream attempts in order, with their waits
 * @param requestBody the request body as sent by the client, when the config asked for bodies to be
 *     logged; else {@code null}
 * @param responseBody the answer's body (a stream's assembled), when asked; else {@code null}
 * @param arm the arm a sticky load balancer gave the request (its target's {@code name}, else its
 *     index; nested sticky groups joined by {@code /}), or {@code null}
 * @param outputChecksFailed the ids of the last attempt's output guardrail checks that failed,
 *     sorted (e.g. {@code switchboard.jsonOutput}); empty when none failed or none ran
 * @param shadowOf for a shadow request (the gateway's replay of a client's request against its
 *     config's {@code shadow} target), the id of the client's request it mirrors; else {@code null}
 * @param answerDigest digests of the answer's text and tool calls, kept for a request that has a
 *     shadow and for the shadow, so the two can be compared; {@link AnswerDigest#NONE} otherwise
 */
public record RequestRecord(
    String id,
    String traceId,
    String traceparent,
    Instant startedAt,
    String method,
    String path,
    String workspace,
    String apiKeyId,
    String config,
    String requestModel,
    String provider,
    String model,
    String optionPath,
    int retries,
    boolean fallbackUsed,
    String cacheStatus,
    Long cacheAgeSeconds,
    int status,
    String errorType,
    Integer promptTokens,
    Integer completionTokens,
    Integer cachedTokens,
    BigDecimal costUsd,
    BigDecimal savedCostUsd,
    double latencyMs,
    Double ttftMs,
    boolean streamed,
    StreamEnd streamEnd,
    Map<String, String> metadata,
    String guardrails,
    List<AttemptRecord> attempts,
    String requestBody,
    String responseBody,
    String arm,
    List<String> outputChecksFailed,
    String shadowOf,
    AnswerDigest answerDigest) {

  public RequestRecord {
    metadata = Map.copyOf(metadata);
    attempts = List.copyOf(attempts);
    outputChecksFailed = outputChecksFailed == null ? List.of() : List.copyOf(outputChecksFailed);
    answerDigest = answerDigest == null ? AnswerDigest.NONE : answerDigest;
  }

  /** Whether the gateway made this request as a shadow of a client's ({@link #shadowOf}). */
  public boolean isShadow() {
    return shadowOf != null;
  }

  /** Whether the client got an answer (2xx), not an error. */
  public boolean succeeded() {
    return status >= 200 && status < 300;
  }

  /** How a streamed answer ended. */
  public enum StreamEnd {
    /** The provider ended it normally and every event was taken. */
    COMPLETED,
    /** The provider broke off, or sent something that is not an event. */
    UPSTREAM_CUT,
    /** The client (or the app, in process) closed it before the end. */
    CLIENT_CLOSED
  }
}
