package dev.switchboard.client;

import com.openai.core.http.Headers;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * What the gateway says about how it answered, read from its response headers (Portkey's {@code
 * x-portkey-*} and Switchboard's {@code x-switchboard-*}). A field the gateway did not send is
 * empty; Portkey's own gateway sends no cost and no request id.
 *
 * @param provider the provider that answered ({@code x-portkey-provider})
 * @param lastUsedOptionIndex the path of the target that answered in the config ({@code
 *     x-portkey-last-used-option-index}), e.g. {@code config.targets[1]}
 * @param retryAttemptCount retries made on that target ({@code x-portkey-retry-attempt-count}): 0,
 *     n, or -1 when retries ran out
 * @param cacheStatus {@code HIT}, {@code MISS}, {@code SEMANTIC HIT}, {@code REFRESH}, {@code
 *     DISABLED}, … ({@code x-portkey-cache-status})
 * @param costUsd what the answer cost at the provider, in US dollars ({@code
 *     x-switchboard-cost-usd}); for a stream see {@link GatewayChatStream#costUsd()}
 * @param savedCostUsd for an answer from the cache, what it would have cost ({@code
 *     x-switchboard-saved-cost-usd})
 * @param requestId the gateway's id of the request in its request log ({@code
 *     x-switchboard-request-id})
 * @param traceId the trace id the request ran under, the caller's or one the gateway made ({@code
 *     x-portkey-trace-id})
 */
public record GatewayFacts(
    Optional<String> provider,
    Optional<String> lastUsedOptionIndex,
    Optional<Integer> retryAttemptCount,
    Optional<String> cacheStatus,
    Optional<BigDecimal> costUsd,
    Optional<BigDecimal> savedCostUsd,
    Optional<String> requestId,
    Optional<String> traceId) {

  /** Reads the facts from a gateway response's headers. */
  public static GatewayFacts from(Headers headers) {
    return new GatewayFacts(
        first(headers, "x-portkey-provider"),
        first(headers, "x-portkey-last-used-option-index"),
        first(headers, "x-portkey-retry-attempt-count").flatMap(GatewayFacts::integer),
        first(headers, "x-portkey-cache-status"),
        first(headers, "x-switchboard-cost-usd").flatMap(GatewayFacts::decimal),
        first(headers, "x-switchboard-saved-cost-usd").flatMap(GatewayFacts::decimal),
        first(headers, "x-switchboard-request-id"),
        first(headers, "x-portkey-trace-id"));
  }

  /** Whether the answer came from the gateway's cache (exact or semantic). */
  public boolean cacheHit() {
    return cacheStatus.map(status -> status.endsWith("HIT")).orElse(false);
  }

  private static Optional<String> first(Headers headers, String name) {
    List<String> values = headers.values(name);
    return values.isEmpty() || values.getFirst().isBlank()
        ? Optional.empty()
        : Optional.of(values.getFirst().strip());
  }

  private static Optional<Integer> integer(String text) {
    try {
      return Optional.of(Integer.parseInt(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static Optional<BigDecimal> decimal(String text) {
    try {
      return Optional.of(new BigDecimal(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
