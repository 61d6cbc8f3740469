package dev.switchboard.transport;

import dev.switchboard.engine.ResponseFacts;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the gateway did to answer a request, as its response headers tell it ({@code
 * x-portkey-provider}, {@code x-portkey-last-used-option-index}, {@code
 * x-portkey-retry-attempt-count}, {@code x-portkey-cache-status}, {@code x-switchboard-cost-usd},
 * {@code x-switchboard-request-id}, {@code x-portkey-trace-id}); the in-process transport gives the
 * same facts from the engine. See docs/headers.md.
 *
 * @param provider the provider of the target that answered
 * @param lastUsedOptionIndex the path of that target in the config ({@code config} without one)
 * @param retryAttemptCount retries made on that target: 0, n, or -1 when retries ran out
 * @param cacheStatus {@code DISABLED}, {@code HIT}, {@code MISS}, {@code SEMANTIC HIT}, …
 * @param costUsd what the answer cost at the provider, in US dollars; for a stream, known once its
 *     usage chunk arrived; {@code null} when the model has no price or the usage is unknown
 * @param requestId the gateway's id of the request, as its request log names it
 * @param traceId the trace id the request was served under (the caller's, or a new one)
 */
public record GatewayFacts(
    String provider,
    String lastUsedOptionIndex,
    Integer retryAttemptCount,
    String cacheStatus,
    BigDecimal costUsd,
    String requestId,
    String traceId) {

  /** The keys of {@link #asMap()}, as the response headers name the facts, less their prefix. */
  public static final String PROVIDER = "provider";

  public static final String LAST_USED_OPTION_INDEX = "last_used_option_index";
  public static final String RETRY_ATTEMPT_COUNT = "retry_attempt_count";
  public static final String CACHE_STATUS = "cache_status";
  public static final String COST_USD = "cost_usd";
  public static final String REQUEST_ID = "request_id";
  public static final String TRACE_ID = "trace_id";

  /** The engine's facts of one request, served under {@code traceId}. */
  static GatewayFacts of(ResponseFacts facts, String traceId) {
    return new GatewayFacts(
        facts.provider(),
        facts.lastUsedOptionIndex(),
        facts.targetChosen() ? facts.retryAttemptCount() : null,
        facts.cacheStatus(),
        facts.costUsd(),
        facts.requestId(),
        traceId);
  }

  /** These facts with the cost a stream's usage chunk told. */
  GatewayFacts withCostUsd(BigDecimal cost) {
    return new GatewayFacts(
        provider, lastUsedOptionIndex, retryAttemptCount, cacheStatus, cost, requestId, traceId);
  }

  /**
   * The facts that are known, by the names of this class's constants, for metadata maps
   * (LangChain4j's and Spring AI's response metadata): strings, an integer, a {@link BigDecimal}.
   */
  public Map<String, Object> asMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    putIfKnown(map, PROVIDER, provider);
    putIfKnown(map, LAST_USED_OPTION_INDEX, lastUsedOptionIndex);
    putIfKnown(map, RETRY_ATTEMPT_COUNT, retryAttemptCount);
    putIfKnown(map, CACHE_STATUS, cacheStatus);
    putIfKnown(map, COST_USD, costUsd);
    putIfKnown(map, REQUEST_ID, requestId);
    putIfKnown(map, TRACE_ID, traceId);
    return Collections.unmodifiableMap(map);
  }

  /** Whether the answer came from the gateway's cache (exact or semantic). */
  public boolean cacheHit() {
    return cacheStatus != null && cacheStatus.endsWith("HIT");
  }

  private static void putIfKnown(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
