package dev.switchboard.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.client.config.PortkeyConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Portkey's per-request options, sent as {@code x-portkey-*} headers: the routing config, the
 * provider, the trace id, metadata, cache controls. Set on a {@link SwitchboardClient} they apply
 * to every call; set on one call they replace the client's for that call (metadata is merged, the
 * call's keys winning). Immutable; each method returns a copy.
 *
 * <pre>{@code
 * CallOptions.none().traceId("checkout-42").metadata(Map.of("user", "u-7")).config(config)
 * }</pre>
 */
public final class CallOptions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CallOptions NONE = new CallOptions(Map.of(), Map.of());

  private final Map<String, String> headers;
  private final Map<String, String> metadata;

  private CallOptions(Map<String, String> headers, Map<String, String> metadata) {
    this.headers = headers;
    this.metadata = metadata;
  }

  /** No options. */
  public static CallOptions none() {
    return NONE;
  }

  /** The routing config, built and checked ({@code x-portkey-config}). */
  public CallOptions config(PortkeyConfig config) {
    return header("x-portkey-config", config.toJson());
  }

  /**
   * The routing config as JSON, or the id of a config saved in the gateway's settings ({@code
   * x-portkey-config}).
   */
  public CallOptions config(String jsonOrSavedId) {
    return header("x-portkey-config", jsonOrSavedId);
  }

  /** The provider to call when no config says ({@code x-portkey-provider}). */
  public CallOptions provider(String provider) {
    return header("x-portkey-provider", provider);
  }

  /** The id tying this request to others in logs and traces ({@code x-portkey-trace-id}). */
  public CallOptions traceId(String traceId) {
    return header("x-portkey-trace-id", traceId);
  }

  /**
   * Key/value metadata for logs, analytics and conditional routing ({@code x-portkey-metadata}),
   * added to any already set.
   */
  public CallOptions metadata(Map<String, String> entries) {
    Map<String, String> merged = new LinkedHashMap<>(metadata);
    merged.putAll(entries);
    return new CallOptions(headers, Map.copyOf(merged));
  }

  /**
   * Skips the cache lookup and stores the answer afresh ({@code x-portkey-cache-force-refresh}).
   */
  public CallOptions cacheForceRefresh(boolean refresh) {
    return header("x-portkey-cache-force-refresh", Boolean.toString(refresh));
  }

  /** Shares cached answers only within this namespace ({@code x-portkey-cache-namespace}). */
  public CallOptions cacheNamespace(String namespace) {
    return header("x-portkey-cache-namespace", namespace);
  }

  /** Any other header, e.g. {@code x-portkey-custom-host} or {@code x-portkey-request-timeout}. */
  public CallOptions header(String name, String value) {
    if (name == null || name.isBlank() || value == null) {
      throw new IllegalArgumentException("a header needs a name and a value");
    }
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put(name.toLowerCase(java.util.Locale.ROOT), value);
    return new CallOptions(Map.copyOf(all), metadata);
  }

  /** These options with {@code overrides}' on top. */
  CallOptions overriddenBy(CallOptions overrides) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putAll(overrides.headers);
    Map<String, String> merged = new LinkedHashMap<>(metadata);
    merged.putAll(overrides.metadata);
    return new CallOptions(Map.copyOf(all), Map.copyOf(merged));
  }

  /** The headers to send. */
  Map<String, String> headers() {
    if (metadata.isEmpty()) {
      return headers;
    }
    Map<String, String> all = new LinkedHashMap<>(headers);
    try {
      all.put("x-portkey-metadata", JSON.writeValueAsString(new java.util.TreeMap<>(metadata)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings is always JSON", e);
    }
    return all;
  }
}
