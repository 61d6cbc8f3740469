package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;

/**
 * A target's {@code retry}: how many times the gateway retries it, on which statuses, and whether
 * it waits as the provider's {@code Retry-After} says. Immutable; each method returns a copy.
 *
 * <pre>{@code Retry.attempts(3).onStatusCodes(429, 503).useRetryAfterHeader(true)}</pre>
 */
public final class Retry {
  private final int attempts;
  private final List<Integer> onStatusCodes;
  private final Boolean useRetryAfterHeader;

  private Retry(int attempts, List<Integer> onStatusCodes, Boolean useRetryAfterHeader) {
    this.attempts = attempts;
    this.onStatusCodes = onStatusCodes;
    this.useRetryAfterHeader = useRetryAfterHeader;
  }

  /**
   * Retries up to {@code attempts} times (0 for none) on the gateway's default statuses (429, 500,
   * 502, 503, 504).
   *
   * @throws InvalidConfigException when {@code attempts} is negative
   */
  public static Retry attempts(int attempts) {
    if (attempts < 0) {
      throw new InvalidConfigException("retry.attempts", "must be a whole number of 0 or more");
    }
    return new Retry(attempts, null, null);
  }

  /** Retries only on these statuses instead of the defaults. */
  public Retry onStatusCodes(int... codes) {
    for (int i = 0; i < codes.length; i++) {
      Json.statusCode(codes[i], "retry.on_status_codes[" + i + "]");
    }
    return new Retry(attempts, Arrays.stream(codes).boxed().toList(), useRetryAfterHeader);
  }

  /** Waits as the provider's {@code Retry-After} (or {@code retry-after-ms}) header says. */
  public Retry useRetryAfterHeader(boolean use) {
    return new Retry(attempts, onStatusCodes, use);
  }

  ObjectNode toJson() {
    ObjectNode json = Json.object().put("attempts", attempts);
    if (onStatusCodes != null) {
      onStatusCodes.forEach(json.putArray("on_status_codes")::add);
    }
    if (useRetryAfterHeader != null) {
      json.put("use_retry_after_header", useRetryAfterHeader);
    }
    return json;
  }
}
