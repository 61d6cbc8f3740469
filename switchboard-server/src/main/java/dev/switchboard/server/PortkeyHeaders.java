package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.access.GatewayKeys;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.ForwardedHeaders;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * Portkey's request and response headers, and how a request's headers become {@link
 * RequestOptions}. Names and parsing follow Portkey's gateway ({@code src/globals.ts}, {@code
 * src/handlers/handlerUtils.ts}).
 */
final class PortkeyHeaders {
  static final String PROVIDER = "x-portkey-provider";
  static final String TRACE_ID = "x-portkey-trace-id";
  static final String CUSTOM_HOST = "x-portkey-custom-host";
  static final String METADATA = "x-portkey-metadata";
  static final String FORWARD_HEADERS = "x-portkey-forward-headers";
  static final String REQUEST_TIMEOUT = "x-portkey-request-timeout";
  static final String CONFIG = "x-portkey-config";
  static final String GATEWAY_EXCEPTION = "x-portkey-gateway-exception";
  static final String LAST_USED_OPTION_INDEX = "x-portkey-last-used-option-index";
  static final String RETRY_ATTEMPT_COUNT = "x-portkey-retry-attempt-count";
  static final String CACHE_STATUS = "x-portkey-cache-status";
  static final String CACHE_FORCE_REFRESH = "x-portkey-cache-force-refresh";
  static final String CACHE_NAMESPACE = "x-portkey-cache-namespace";
  static final String API_KEY = "x-portkey-api-key";
  static final String VIRTUAL_KEY = "x-portkey-virtual-key";
  static final String DEFAULT_INPUT_GUARDRAILS = "x-portkey-default-input-guardrails";
  static final String DEFAULT_OUTPUT_GUARDRAILS = "x-portkey-default-output-guardrails";

  /** Ours: what the answer cost at the provider, in US dollars (a decimal). */
  static final String COST_USD = "x-switchboard-cost-usd";

  /** Ours: for an answer from the cache, what it would have cost, in US dollars. */
  static final String SAVED_COST_USD = "x-switchboard-saved-cost-usd";

  /** Our own: the gateway's id of the request, as its request log record names it. */
  static final String REQUEST_ID = "x-switchboard-request-id";

  /**
   * Portkey's headers for OpenAI's organization, project and beta headers, sent on to an {@code
   * openai} target under OpenAI's names. A client's plain {@code openai-beta} counts too; its plain
   * organization and project headers only when listed in {@code x-portkey-forward-headers}.
   */
  private static final Map<String, String> OPENAI_HEADERS =
      Map.of(
          "x-portkey-openai-organization", "openai-organization",
          "x-portkey-openai-project", "openai-project",
          "x-portkey-openai-beta", "openai-beta",
          "openai-beta", "openai-beta");

  /**
   * Anthropic's own {@code anthropic-version} and {@code anthropic-beta} headers count as Portkey's
   * {@code x-portkey-anthropic-*} when those are not sent, as in Portkey (for Anthropic's SDKs and
   * Claude Code).
   */
  private static final Map<String, String> ANTHROPIC_HEADERS =
      Map.of("anthropic-version", "anthropic_version", "anthropic-beta", "anthropic_beta");

  /**
   * Each provider option's header ({@link ProviderOptions#header}), computed once rather than built
   * anew for each option of each request.
   */
  private static final Map<String, String> OPTION_HEADERS = optionHeaders();

  /** Headers that carry a provider key: never kept among the request's other headers. */
  private static final java.util.Set<String> CREDENTIALS =
      java.util.Set.of("authorization", "x-api-key");

  private PortkeyHeaders() {}

  /**
   * The provider key: {@code Authorization: Bearer <key>}, else Anthropic's {@code x-api-key}, as
   * Portkey takes them ({@code apiKey || anthropicApiKey}).
   */
  private static String apiKey(HttpFields headers) {
    String bearer = bearerToken(headers.get("authorization"));
    if (GatewayKeys.looksLikeGatewayKey(bearer)) {
      bearer = null; // the caller's gateway key, never sent to a provider
    }
    return bearer != null ? bearer : trimmed(headers.get("x-api-key"));
  }

  /**
   * The caller's gateway key: {@code x-portkey-api-key}, as Portkey's SDKs send it, else an {@code
   * Authorization: Bearer} token that is one ({@link GatewayKeys#looksLikeGatewayKey}).
   */
  static String gatewayKey(HttpFields headers) {
    String sent = trimmed(headers.get(API_KEY));
    if (sent != null) {
      return sent;
    }
    String bearer = bearerToken(headers.get("authorization"));
    return GatewayKeys.looksLikeGatewayKey(bearer) ? bearer : null;
  }

  /** The trace id the client sent, or a new one: every response carries one. */
  static String traceId(HttpFields headers) {
    String sent = headers.get(TRACE_ID);
    return sent == null || sent.isBlank() ? newTraceId() : sent;
  }

  /**
   * A random (version 4) UUID from {@link ThreadLocalRandom}, not {@link UUID#randomUUID}'s {@code
   * SecureRandom}: with the request id's, 2 to 3 % of the gateway's CPU under load (issue 18,
   * docs/benchmarks.md). A trace id is no secret and grants nothing: a client names its own as it
   * likes, it is echoed on the response and written in the request log (the operator's routes, see
   * {@code RequestIds}), and feedback on a trace counts only for the workspace of the key that sent
   * it (observability.md, "Feedback").
   */
  private static String newTraceId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  /**
   * The options a request's headers ask for.
   *
   * @throws InvalidRequestException for a header whose value cannot be read; the message names it
   */
  static RequestOptions read(HttpFields headers, String traceId) {
    RequestOptions.Builder options =
        RequestOptions.builder()
            .provider(trimmed(headers.get(PROVIDER)))
            .apiKey(apiKey(headers))
            .customHost(trimmed(headers.get(CUSTOM_HOST)))
            .traceId(traceId)
            .metadata(metadata(headers.get(METADATA)))
            .requestTimeout(timeout(headers.get(REQUEST_TIMEOUT)))
            .config(trimmed(headers.get(CONFIG)))
            .gatewayKey(gatewayKey(headers))
            .virtualKey(trimmed(headers.get(VIRTUAL_KEY)))
            .cacheNamespace(trimmed(headers.get(CACHE_NAMESPACE)))
            .cacheForceRefresh(forceRefresh(headers.get(CACHE_FORCE_REFRESH)))
            .defaultInputGuardrails(trimmed(headers.get(DEFAULT_INPUT_GUARDRAILS)))
            .defaultOutputGuardrails(trimmed(headers.get(DEFAULT_OUTPUT_GUARDRAILS)));
    OPTION_HEADERS.forEach((option, header) -> {
      String value = trimmed(headers.get(header));
      if (value != null) {
        options.providerOption(option, value);
      }
    });
    ANTHROPIC_HEADERS.forEach((plain, option) -> {
      String value = trimmed(headers.get(plain));
      if (value != null && trimmed(headers.get(OPTION_HEADERS.get(option))) == null) {
        options.providerOption(option, value);
      }
    });
    for (HttpField field : headers) {
      String name = field.getLowerCaseName();
      if (!name.startsWith("x-portkey-") && !CREDENTIALS.contains(name)) {
        options.requestHeader(name, field.getValue());
      }
    }
    if ("openai".equals(trimmed(headers.get(PROVIDER)))) {
      java.util.Set<String> sent = new java.util.HashSet<>();
      OPENAI_HEADERS.forEach((portkeyName, openAiName) -> {
        String value = headers.get(portkeyName);
        if (value != null && sent.add(openAiName)) {
          options.forwardHeader(openAiName, value);
        }
      });
    }
    String forward = headers.get(FORWARD_HEADERS);
    if (forward != null) {
      for (String name : forward.split(",")) {
        String header = name.strip().toLowerCase(Locale.ROOT);
        if (!ForwardedHeaders.forwardable(header)) {
          continue; // never Portkey's or our own, host, hop-by-hop, framing or credentials
        }
        String value = headers.get(header);
        if (value != null) {
          options.forwardHeader(header, value);
        }
      }
    }
    return options.build();
  }

  private static Map<String, String> optionHeaders() {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String option : ProviderOptions.NAMES) {
      headers.put(option, ProviderOptions.header(option));
    }
    return java.util.Collections.unmodifiableMap(headers);
  }

  /**
   * {@code true} (any case) refreshes, anything else does not. Portkey's code refreshes when the
   * header is present at all, even as {@code false}; its SDKs send it only when asked.
   */
  private static boolean forceRefresh(String value) {
    return value != null && value.strip().equalsIgnoreCase("true");
  }

  private static String trimmed(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private static String bearerToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      value = value.substring(7).strip();
    }
    return value.isEmpty() ? null : value;
  }

  private static Map<String, String> metadata(String header) {
    if (header == null || header.isBlank()) {
      return Map.of();
    }
    JsonNode json;
    try {
      json = WireJson.strictTree(header);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(
          METADATA + " must be a JSON object: " + e.getMessage(), METADATA, null);
    }
    if (!json.isObject()) {
      throw new InvalidRequestException(METADATA + " must be a JSON object", METADATA, null);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    json.properties()
        .forEach(field ->
            metadata.put(
                field.getKey(),
                field.getValue().isTextual()
                    ? field.getValue().asText()
                    : field.getValue().toString()));
    return metadata;
  }

  private static Duration timeout(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      long millis = Long.parseLong(header.strip());
      if (millis <= 0) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(millis);
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          REQUEST_TIMEOUT + " must be a positive whole number of milliseconds",
          REQUEST_TIMEOUT,
          null);
    }
  }
}
