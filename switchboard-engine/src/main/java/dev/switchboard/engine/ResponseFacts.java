package dev.switchboard.engine;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What the gateway did to answer a request, as Portkey's response headers tell it.
 *
 * @param provider the provider of the target that answered (or failed last), or {@code null} when
 *     no target was chosen
 * @param lastUsedOptionIndex the path of that target in the config, Portkey's {@code
 *     x-portkey-last-used-option-index}: {@code config} for a request without a config
 * @param retryAttemptCount retries made on that target: 0, n, or -1 when retries ran out
 * @param cacheStatus {@code DISABLED}, {@code HIT}, {@code MISS}, …
 * @param upstreamHeaders the provider's response headers, to pass back to the client
 * @param costUsd what the answer cost at the provider in US dollars, from its usage and the price
 *     table: zero for an answer from the cache; {@code null} when the model has no price, the usage
 *     is unknown, or the answer is a stream not from the cache (its cost is in its usage event, as
 *     {@code "cost_usd"} beside {@code usage})
 * @param savedCostUsd for an answer from the cache, what it would have cost at the provider; else
 *     {@code null}
 * @param guardrails the guardrails' results, or {@code null} when no hook ran
 * @param requestId the gateway's id of the request, as its request log record names it ({@code
 *     x-switchboard-request-id}), or {@code null}
 * @param gatewayHeaders response headers of the gateway's own that stages added (the rate-limit
 *     headers), written on the answer whether it succeeded or failed
 */
public record ResponseFacts(
    String provider,
    String lastUsedOptionIndex,
    int retryAttemptCount,
    String cacheStatus,
    List<Map.Entry<String, String>> upstreamHeaders,
    BigDecimal costUsd,
    BigDecimal savedCostUsd,
    dev.switchboard.engine.guardrails.GuardrailReport guardrails,
    String requestId,
    List<Map.Entry<String, String>> gatewayHeaders) {

  public static final String CACHE_DISABLED = "DISABLED";
  public static final String CACHE_HIT = "HIT";
  public static final String CACHE_MISS = "MISS";
  public static final String CACHE_REFRESH = "REFRESH";
  public static final String CACHE_SEMANTIC_HIT = "SEMANTIC HIT";
  public static final String CACHE_SEMANTIC_MISS = "SEMANTIC MISS";

  public ResponseFacts {
    upstreamHeaders = List.copyOf(upstreamHeaders);
    gatewayHeaders = List.copyOf(gatewayHeaders);
  }

  /** Facts of a request that failed before any target was chosen. */
  static ResponseFacts none(String requestId, List<Map.Entry<String, String>> gatewayHeaders) {
    return new ResponseFacts(
        null, null, 0, null, List.of(), null, null, null, requestId, gatewayHeaders);
  }

  /** Whether the request reached the point of choosing a target. */
  public boolean targetChosen() {
    return provider != null;
  }
}
