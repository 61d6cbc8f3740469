package dev.switchboard.engine.providers;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where one upstream call goes and with what credentials: the provider, its key, an optional custom
 * base URL, headers to forward, and a per-call timeout. Routing (fallbacks, load balancing) chooses
 * among targets; a provider serves one.
 *
 * @param provider the provider's name, as in {@code x-portkey-provider}
 * @param apiKey the provider credential passed on, or {@code null}
 * @param customHost a base URL that replaces the provider's, already checked by the outbound guard,
 *     or {@code null}
 * @param forwardHeaders client headers to send to the provider as they are
 * @param requestTimeout the time one call may take, or {@code null} for the gateway's default
 * @param options provider-specific settings by {@link ProviderOptions} name (AWS credentials and
 *     region, Anthropic's version and beta flags, …)
 * @param hops the gateways the client's request had passed through before this one, which the call
 *     passes on ({@link dev.switchboard.engine.outbound.Hops})
 */
public record Target(
    String provider,
    String apiKey,
    String customHost,
    List<Map.Entry<String, String>> forwardHeaders,
    Duration requestTimeout,
    Map<String, String> options,
    int hops) {

  public Target {
    forwardHeaders = List.copyOf(forwardHeaders);
    options = Map.copyOf(options);
  }

  /** A target for a request that came straight from a client. */
  public Target(
      String provider,
      String apiKey,
      String customHost,
      List<Map.Entry<String, String>> forwardHeaders,
      Duration requestTimeout,
      Map<String, String> options) {
    this(provider, apiKey, customHost, forwardHeaders, requestTimeout, options, 0);
  }

  /**
   * A provider-specific setting, or {@code null} when neither the request nor the config set it.
   */
  public String option(String name) {
    return options.get(name);
  }

  /**
   * The secret values this target sends: its key, its secret {@link ProviderOptions} (with the
   * private key inside a Vertex service account's JSON, which a body would quote JSON-escaped), and
   * the values of forwarded headers (forwarding exists mostly to carry a custom host's own
   * credential, under any name). What a log must redact; never shown.
   */
  public java.util.List<String> credentials() {
    java.util.List<String> secrets = new java.util.ArrayList<>();
    if (apiKey != null) {
      secrets.add(apiKey);
    }
    options.forEach((name, value) -> {
      if (ProviderOptions.SECRETS.contains(name)) {
        secrets.add(value);
      }
    });
    String account = options.get("vertex_service_account_json");
    if (account != null) {
      try {
        String privateKey =
            dev.switchboard.wire.WireJson.tree(account).path("private_key").asText("");
        if (!privateKey.isEmpty()) {
          secrets.add(privateKey);
          String escaped = dev.switchboard.wire.WireJson.mapper().writeValueAsString(privateKey);
          secrets.add(escaped.substring(1, escaped.length() - 1));
        }
      } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException unreadable) {
        // not JSON: the whole value is redacted above
      }
    }
    for (Map.Entry<String, String> header : forwardHeaders) {
      secrets.add(header.getValue());
      String value = header.getValue().strip();
      if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
        secrets.add(value.substring(7).strip());
      }
    }
    return secrets;
  }

  /** Secrets stay out of logs and error messages. */
  @Override
  public String toString() {
    return "Target[provider="
        + provider
        + ", apiKey="
        + (apiKey == null ? "none" : "redacted")
        + ", customHost="
        + customHost
        + ", forwardHeaders="
        + forwardHeaders.stream().map(Map.Entry::getKey).toList()
        + ", requestTimeout="
        + requestTimeout
        + ", options="
        + options.keySet().stream().sorted().toList()
        + "]";
  }
}
