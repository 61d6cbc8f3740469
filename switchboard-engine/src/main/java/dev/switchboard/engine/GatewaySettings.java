package dev.switchboard.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.cache.CacheSettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.routing.RoutingLimits;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * How the engine calls providers. Defaults live here, in one place.
 *
 * @param trustedHosts hosts allowed to reach loopback and internal addresses (by name or address)
 * @param providerBaseUrls base URLs that replace a provider's default, by provider name; their
 *     hosts are trusted, since the operator chose them
 * @param connectTimeout time allowed to open a connection to a provider
 * @param idleTimeout time a provider connection may stay silent (between stream events, too)
 * @param requestTimeout time an upstream call may take when the request sets none; {@code null} for
 *     no limit
 * @param configs routing configs saved in the gateway, by id (what {@code x-portkey-config} may
 *     name)
 * @param defaultConfig the id of a saved config, or a config's JSON, for requests that name none;
 *     {@code null} for none
 * @param routing bounds on the upstream attempts of one client request, and circuit breaking
 * @param cache where cached answers are kept and how many; configs turn caching on per request
 * @param prices what each provider's models cost, to price answers: by default the table shipped
 *     with the gateway
 * @param stickyRedisUri the Redis that keeps sticky load balancers' assignments, shared by
 *     gateways; {@code null}: kept in this process
 * @param shadow the bounds on shadow traffic (configs' {@code shadow}): its kill switch, its daily
 *     spend cap, how many at once
 */
public record GatewaySettings(
    Set<String> trustedHosts,
    Map<String, URI> providerBaseUrls,
    Duration connectTimeout,
    Duration idleTimeout,
    Duration requestTimeout,
    Map<String, JsonNode> configs,
    String defaultConfig,
    RoutingLimits routing,
    CacheSettings cache,
    PriceTable prices,
    URI stickyRedisUri,
    dev.switchboard.engine.shadow.ShadowSettings shadow) {

  /**
   * Portkey's default trusted hosts ({@code TRUSTED_CUSTOM_HOSTS}): the machine itself, and the
   * Docker host seen from a container.
   */
  public static final Set<String> DEFAULT_TRUSTED_HOSTS =
      Set.of("localhost", "127.0.0.1", "::1", "host.docker.internal");

  public GatewaySettings {
    trustedHosts = Set.copyOf(trustedHosts);
    providerBaseUrls = Map.copyOf(providerBaseUrls);
    configs = Map.copyOf(configs);
  }

  public static GatewaySettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The trusted hosts with the hosts of the operator's provider base URLs. */
  Set<String> effectiveTrustedHosts() {
    Set<String> hosts = new LinkedHashSet<>(trustedHosts);
    providerBaseUrls.values().forEach(url -> hosts.add(url.getHost()));
    return hosts;
  }

  /** Builds {@link GatewaySettings}, starting from the defaults. */
  public static final class Builder {
    private Set<String> trustedHosts = DEFAULT_TRUSTED_HOSTS;
    private final Map<String, URI> providerBaseUrls = new LinkedHashMap<>();
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration requestTimeout;
    private final Map<String, JsonNode> configs = new LinkedHashMap<>();
    private String defaultConfig;
    private RoutingLimits routing = RoutingLimits.defaults();
    private CacheSettings cache = CacheSettings.defaults();
    private PriceTable prices = PriceTable.shipped();
    private URI stickyRedisUri;
    private dev.switchboard.engine.shadow.ShadowSettings shadow =
        dev.switchboard.engine.shadow.ShadowSettings.defaults();

    private Builder() {}

    /** The bounds on shadow traffic; by default on, 10 US dollars a day, 1,024 at once. */
    public Builder shadow(dev.switchboard.engine.shadow.ShadowSettings shadow) {
      this.shadow = java.util.Objects.requireNonNull(shadow);
      return this;
    }

    /**
     * The prices answers are costed by; by default {@link PriceTable#shipped()}. To change some,
     * lay yours over the shipped ones: {@code PriceTable.shipped().overriddenBy(mine)}.
     */
    public Builder prices(PriceTable prices) {
      this.prices = java.util.Objects.requireNonNull(prices);
      return this;
    }

    /**
     * Keeps sticky load balancers' assignments in this Redis ({@code redis://host:6379}), shared by
     * every gateway that uses it; {@code null} (the default): in this process.
     */
    public Builder stickyRedis(URI redis) {
      if (redis != null && (redis.getHost() == null || !redis.getScheme().startsWith("redis"))) {
        throw new IllegalArgumentException(
            "the sticky table's redis url must be like redis://host:6379");
      }
      this.stickyRedisUri = redis;
      return this;
    }

    /** Where cached answers are kept (embedded or Redis) and the embedded cache's bounds. */
    public Builder cache(CacheSettings cache) {
      this.cache = cache;
      return this;
    }

    /** Saves a routing config under an id that {@code x-portkey-config} may name. */
    public Builder config(String id, JsonNode config) {
      this.configs.put(id, config);
      return this;
    }

    /** The config for requests that name none: a saved config's id, or a config's JSON. */
    public Builder defaultConfig(String config) {
      this.defaultConfig = config;
      return this;
    }

    public Builder routing(RoutingLimits limits) {
      this.routing = limits;
      return this;
    }

    public Builder trustedHosts(Set<String> hosts) {
      this.trustedHosts = Set.copyOf(hosts);
      return this;
    }

    public Builder providerBaseUrl(String provider, URI baseUrl) {
      this.providerBaseUrls.put(provider, baseUrl);
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = timeout;
      return this;
    }

    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    public GatewaySettings build() {
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connect timeout must be positive");
      }
      if (idleTimeout.isNegative() || idleTimeout.isZero()) {
        throw new IllegalArgumentException("idle timeout must be positive");
      }
      for (var entry : providerBaseUrls.entrySet()) {
        String scheme = entry.getValue().getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
          throw new IllegalArgumentException(
              "base URL of provider " + entry.getKey() + " must be an http or https URL");
        }
      }
      return new GatewaySettings(
          trustedHosts,
          providerBaseUrls,
          connectTimeout,
          idleTimeout,
          requestTimeout,
          configs,
          defaultConfig,
          routing,
          cache,
          prices,
          stickyRedisUri,
          shadow);
    }
  }
}
