package dev.switchboard.engine.providers;

import dev.switchboard.engine.outbound.UpstreamClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What every {@link ProviderFactory} is given to build its providers from: the one outbound client,
 * the default timeout, the clock, and the operator's base URLs. A provider takes what it needs and
 * ignores the rest, so a new need is a new component here, not a new constructor argument in every
 * provider.
 *
 * @param upstream the outbound client every provider calls through
 * @param requestTimeout the time an upstream call may take when the request sets none; {@code null}
 *     for no limit
 * @param clock the time, for signatures, token expiry and answers' timestamps
 * @param baseUrls base URLs that replace a provider's default, by provider name (the {@code
 *     providers.<name>.base-url} settings)
 */
public record ProviderContext(
    UpstreamClient upstream, Duration requestTimeout, Clock clock, Map<String, URI> baseUrls) {

  public ProviderContext {
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(clock, "clock");
    baseUrls = Map.copyOf(baseUrls);
  }

  /** The base URL the operator set for {@code name}, or else {@code defaultBaseUrl}. */
  public URI baseUrl(String name, URI defaultBaseUrl) {
    return baseUrls.getOrDefault(name, defaultBaseUrl);
  }

  /**
   * The base URL the operator set for {@code name}, or {@code null} for a provider whose URL each
   * target decides (a region, a resource).
   */
  public URI baseUrl(String name) {
    return baseUrl(name, null);
  }
}
