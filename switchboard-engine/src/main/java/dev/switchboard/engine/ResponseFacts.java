package dev.switchboard.engine;

import dev.switchboard.engine.pipeline.AttemptEntry;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.engine.pipeline.Journal;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * What the gateway did to answer a request, as Portkey's response headers tell it: a view of the
 * request's {@link Journal} and its last attempt, taken once when the answer is handed back ({@link
 * #of}). The server writes the response headers from it; the library's {@link GatewayResponse} and
 * {@link GatewayStream} carry it.
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
 *     is unknown, or the answer is a stream not from the cache (its cost is in the request's log,
 *     and in its usage event as {@code "cost_usd"} beside {@code usage} when the client asked for
 *     it with {@code x-switchboard-stream-cost: true})
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
    GuardrailReport guardrails,
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

  /**
   * The facts of a request as its log tells them now: its last attempt's target, path, retries,
   * cache status, saved cost and guardrail results, the answer's cost, and the provider's {@code
   * upstreamHeaders}; or, before any attempt, only the request's id and the gateway's headers.
   */
  public static ResponseFacts of(Journal journal, List<Map.Entry<String, String>> upstreamHeaders) {
    AttemptEntry last = journal.lastAttempt();
    if (last == null) {
      return none(journal.requestId(), journal.gatewayHeaders());
    }
    return new ResponseFacts(
        last.target().provider(),
        last.optionPath(),
        last.retryAttemptCount(),
        last.cacheStatus(),
        upstreamHeaders,
        journal.costUsd(),
        last.savedCostUsd(),
        last.guardrails(),
        journal.requestId(),
        journal.gatewayHeaders());
  }

  /** Facts of a request that failed before any target was chosen. */
  private static ResponseFacts none(
      String requestId, List<Map.Entry<String, String>> gatewayHeaders) {
    return new ResponseFacts(
        null, null, 0, null, List.of(), null, null, null, requestId, gatewayHeaders);
  }

  /**
   * The status of the answer, when it is one: 200, or Portkey's 246 when a guardrail failed without
   * denying (the answer then carries the hook results).
   */
  public int successStatus() {
    return GuardrailReport.successStatus(guardrails);
  }

  /**
   * The guardrails' verdict on the request answered with {@code status}: {@code denied} (446),
   * {@code failed}, {@code passed}, or {@code null} when no hook ran.
   */
  public String guardrailVerdict(int status) {
    return GuardrailReport.verdict(guardrails, status);
  }

  /** Whether the request reached the point of choosing a target. */
  public boolean targetChosen() {
    return provider != null;
  }
}
