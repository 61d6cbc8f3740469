package dev.switchboard.transport;

import dev.switchboard.engine.RequestOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gateway options a single request may set over its model's: what LangChain4j's {@code
 * SwitchboardChatRequestParameters} and Spring AI's {@code SwitchboardChatOptions} carry besides
 * the framework's own parameters. A null option keeps the model's; metadata is merged over the
 * model's (the request's value wins for a key both have).
 *
 * @param provider {@code x-portkey-provider}
 * @param config {@code x-portkey-config}: a config's JSON or a saved config's id
 * @param traceId {@code x-portkey-trace-id}
 * @param metadata {@code x-portkey-metadata} entries; null for none
 * @param cacheNamespace {@code x-portkey-cache-namespace}
 * @param cacheForceRefresh {@code x-portkey-cache-force-refresh}
 */
public record RequestOverrides(
    String provider,
    String config,
    String traceId,
    Map<String, String> metadata,
    String cacheNamespace,
    Boolean cacheForceRefresh) {

  public RequestOverrides {
    metadata =
        metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The model's options {@code base} with these over them. */
  public RequestOptions over(RequestOptions base) {
    Map<String, String> merged = new LinkedHashMap<>(base.metadata());
    merged.putAll(metadata);
    return new RequestOptions(
        provider != null ? provider : base.provider(),
        base.apiKey(),
        base.customHost(),
        traceId != null ? traceId : base.traceId(),
        merged,
        base.forwardHeaders(),
        base.requestTimeout(),
        config != null ? config : base.config(),
        base.requestHeaders(),
        base.providerOptions(),
        base.gatewayKey(),
        cacheNamespace != null ? cacheNamespace : base.cacheNamespace(),
        cacheForceRefresh != null ? cacheForceRefresh : base.cacheForceRefresh(),
        base.defaultInputGuardrails(),
        base.defaultOutputGuardrails(),
        base.virtualKey(),
        base.prompt());
  }
}
