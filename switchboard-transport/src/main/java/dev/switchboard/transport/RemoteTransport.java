package dev.switchboard.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pricing.PricingStage;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.StreamOptions;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A gateway server over HTTP: OpenAI's wire model written as JSON to {@code /v1/chat/completions},
 * the per-request options as Portkey's {@code x-portkey-*} headers (as docs/headers.md lists them),
 * the answer's facts read from the response headers. Built on the JDK's {@link HttpClient}
 * (HTTP/1.1; no dependency beyond the engine's wire model and SSE reader).
 */
public final class RemoteTransport implements GatewayTransport {
  /** Headers the JDK client sets itself and refuses from callers. */
  private static final Set<String> RESTRICTED =
      Set.of("connection", "content-length", "expect", "host", "upgrade");

  private final URI chatCompletions;
  private final Map<String, String> headers;
  private final Duration timeout;
  private final HttpClient http;

  private RemoteTransport(Builder builder) {
    String base = builder.baseUrl.toString().replaceAll("/+$", "");
    if (!base.endsWith("/v1")) {
      base = base + "/v1";
    }
    this.chatCompletions = URI.create(base + "/chat/completions");
    this.headers = Map.copyOf(builder.headers);
    this.timeout = builder.timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(builder.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  static Builder builder(URI baseUrl) {
    return new Builder(baseUrl);
  }

  @Override
  public GatewayReply chat(ChatRequest request, RequestOptions options) {
    ChatRequest whole = request.isStreaming() ? request.withStream(null) : request;
    HttpResponse<byte[]> response =
        send(post(whole, options), HttpResponse.BodyHandlers.ofByteArray());
    GatewayFacts facts = facts(response.headers());
    if (response.statusCode() >= 400) {
      throw error(response.statusCode(), response.body(), facts);
    }
    try {
      return new GatewayReply(WireJson.read(response.body(), ChatCompletion.class), facts);
    } catch (WireFormatException | UncheckedIOException e) {
      throw new GatewayCallException(
          502,
          "the gateway's answer is not a chat completion",
          "upstream_error",
          null,
          null,
          facts,
          e);
    }
  }

  @Override
  public GatewayChunkStream chatStream(ChatRequest request, RequestOptions options) {
    HttpResponse<InputStream> response =
        send(
            post(withUsage(request), withStreamCost(options)),
            HttpResponse.BodyHandlers.ofInputStream());
    GatewayFacts facts = facts(response.headers());
    if (response.statusCode() >= 400) {
      byte[] body;
      try (InputStream in = response.body()) {
        body = in.readAllBytes();
      } catch (IOException e) {
        body = new byte[0];
      }
      throw error(response.statusCode(), body, facts);
    }
    return new GatewayChunkStream(new SseChunks(response.body(), facts), facts);
  }

  /**
   * The options asking for the stream's cost in its usage chunk ({@link
   * PricingStage#STREAM_COST_HEADER}), which {@link GatewayChunkStream} reads into its facts.
   */
  static RequestOptions withStreamCost(RequestOptions options) {
    return options.withRequestHeader(PricingStage.STREAM_COST_HEADER, "true");
  }

  /** The request as a stream that ends with the usage chunk, which carries the cost. */
  static ChatRequest withUsage(ChatRequest request) {
    ChatRequest streamed = request.withStream(true);
    if (streamed.wantsStreamUsage()) {
      return streamed;
    }
    return new ChatRequest(
        streamed.model(),
        streamed.messages(),
        true,
        new StreamOptions(true, null),
        streamed.tools(),
        streamed.toolChoice(),
        streamed.parallelToolCalls(),
        streamed.responseFormat(),
        streamed.maxTokens(),
        streamed.maxCompletionTokens(),
        streamed.temperature(),
        streamed.topP(),
        streamed.n(),
        streamed.stop(),
        streamed.seed(),
        streamed.logprobs(),
        streamed.topLogprobs(),
        streamed.user(),
        streamed.extras());
  }

  private HttpRequest post(ChatRequest request, RequestOptions options) {
    HttpRequest.Builder post =
        HttpRequest.newBuilder(chatCompletions)
            .timeout(timeout)
            .header("content-type", "application/json")
            .header("accept", request.isStreaming() ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(WireJson.write(request)));
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putAll(portkeyHeaders(options));
    all.forEach(post::setHeader);
    return post.build();
  }

  /** The options as the server reads them back (PortkeyHeaders in switchboard-server). */
  static Map<String, String> portkeyHeaders(RequestOptions options) {
    Map<String, String> out = new LinkedHashMap<>();
    putIfSet(out, "x-portkey-provider", options.provider());
    if (options.apiKey() != null) {
      out.put("authorization", "Bearer " + options.apiKey());
    }
    putIfSet(out, "x-portkey-custom-host", options.customHost());
    putIfSet(out, "x-portkey-trace-id", options.traceId());
    if (!options.metadata().isEmpty()) {
      out.put("x-portkey-metadata", WireJson.writeString(options.metadata()));
    }
    putIfSet(out, "x-portkey-config", compact(options.config()));
    putIfSet(out, "x-portkey-api-key", options.gatewayKey());
    putIfSet(out, "x-portkey-virtual-key", options.virtualKey());
    putIfSet(out, "x-portkey-cache-namespace", options.cacheNamespace());
    if (options.cacheForceRefresh()) {
      out.put("x-portkey-cache-force-refresh", "true");
    }
    if (options.requestTimeout() != null) {
      out.put("x-portkey-request-timeout", Long.toString(options.requestTimeout().toMillis()));
    }
    putIfSet(out, "x-portkey-default-input-guardrails", options.defaultInputGuardrails());
    putIfSet(out, "x-portkey-default-output-guardrails", options.defaultOutputGuardrails());
    options
        .providerOptions()
        .forEach((name, value) -> out.put(ProviderOptions.header(name), value));
    options
        .requestHeaders()
        .forEach((name, value) -> {
          if (!RESTRICTED.contains(name)) {
            out.putIfAbsent(name, value);
          }
        });
    if (!options.forwardHeaders().isEmpty()) {
      StringBuilder names = new StringBuilder();
      for (Map.Entry<String, String> header : options.forwardHeaders()) {
        String name = header.getKey().toLowerCase(Locale.ROOT);
        if (RESTRICTED.contains(name)) {
          continue;
        }
        out.put(name, header.getValue());
        names.append(names.isEmpty() ? "" : ",").append(name);
      }
      out.put("x-portkey-forward-headers", names.toString());
    }
    return out;
  }

  /** A config's JSON on one line (a header value has no line breaks); a saved id as it is. */
  private static String compact(String config) {
    if (config == null || !config.strip().startsWith("{")) {
      return config;
    }
    try {
      return WireJson.writeString(WireJson.tree(config));
    } catch (RuntimeException notJson) {
      return config.replaceAll("[\\r\\n]+", " "); // the gateway names the error
    }
  }

  private static void putIfSet(Map<String, String> headers, String name, String value) {
    if (value != null && !value.isBlank()) {
      headers.put(name, value);
    }
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request, body);
    } catch (HttpTimeoutException e) {
      throw new GatewayCallException(
          408,
          "the gateway did not answer within " + timeout,
          "timeout_error",
          null,
          null,
          null,
          e);
    } catch (IOException e) {
      throw new GatewayCallException(
          GatewayCallException.NO_ANSWER,
          "the gateway at " + describe() + " could not be reached: " + e.getMessage(),
          "connection_error",
          null,
          null,
          null,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayCallException(
          GatewayCallException.NO_ANSWER, "interrupted", "connection_error", null, null, null, e);
    }
  }

  private static GatewayFacts facts(HttpHeaders headers) {
    return new GatewayFacts(
        headers.firstValue("x-portkey-provider").orElse(null),
        headers.firstValue("x-portkey-last-used-option-index").orElse(null),
        headers
            .firstValue("x-portkey-retry-attempt-count")
            .map(RemoteTransport::integer)
            .orElse(null),
        headers.firstValue("x-portkey-cache-status").orElse(null),
        headers.firstValue("x-switchboard-cost-usd").map(RemoteTransport::decimal).orElse(null),
        headers.firstValue("x-switchboard-request-id").orElse(null),
        headers.firstValue("x-portkey-trace-id").orElse(null));
  }

  private static Integer integer(String value) {
    try {
      return Integer.valueOf(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static BigDecimal decimal(String value) {
    try {
      return new BigDecimal(value.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** An error answer: OpenAI's error object when the body has one, else the status alone. */
  private static GatewayCallException error(int status, byte[] body, GatewayFacts facts) {
    JsonNode error = null;
    try {
      error = WireJson.tree(body).get("error");
    } catch (RuntimeException notJson) {
      // a proxy's HTML page, an empty body: the status says it all
    }
    if (error != null && error.isObject()) {
      return GatewayCallException.fromErrorObject(status, error, facts);
    }
    return new GatewayCallException(
        status, "the gateway answered " + status, null, null, null, facts, null);
  }

  @Override
  public String describe() {
    return chatCompletions.resolve("/").toString();
  }

  @Override
  public void close() {
    http.close();
  }

  /**
   * The chunks of an SSE body: {@code data: {chunk}} events until {@code data: [DONE]}. A stream
   * that breaks off after its first byte ends with an in-band {@code {"error": …}} event (and no
   * {@code [DONE]}); Portkey's {@code hook_results} events are skipped.
   */
  private static final class SseChunks implements GatewayChunkStream.Source {
    private final InputStream body;
    private final SseReader reader;
    private final GatewayFacts facts;
    private boolean done;

    SseChunks(InputStream body, GatewayFacts facts) {
      this.body = body;
      this.reader = new SseReader(body);
      this.facts = facts;
    }

    @Override
    public ChatCompletionChunk next() {
      while (!done) {
        SseEvent event;
        try {
          event = reader.next();
        } catch (IOException e) {
          close();
          throw new GatewayCallException(
              502,
              "the stream broke off: " + e.getMessage(),
              "upstream_error",
              null,
              null,
              facts,
              e);
        }
        if (event == null) {
          close();
          throw new GatewayCallException(
              502, "the stream ended before [DONE]", "upstream_error", null, null, facts, null);
        }
        if ("[DONE]".equals(event.data().strip())) {
          close();
          return null;
        }
        JsonNode json;
        try {
          json = WireJson.tree(event.data());
        } catch (RuntimeException e) {
          close();
          throw new GatewayCallException(
              502,
              "the stream sent an event that is not JSON",
              "upstream_error",
              null,
              null,
              facts,
              e);
        }
        if (json.has("error") && !json.has("choices")) {
          close();
          String type = json.path("error").path("type").asText("");
          throw GatewayCallException.fromErrorObject(
              "timeout_error".equals(type) ? 408 : 502, json.get("error"), facts);
        }
        if (json.has("hook_results") && !json.has("choices")) {
          continue;
        }
        return WireJson.convert(json, ChatCompletionChunk.class);
      }
      return null;
    }

    @Override
    public void close() {
      done = true;
      try {
        body.close();
      } catch (IOException ignored) {
        // closing is all we wanted
      }
    }
  }

  /** Builds a {@link RemoteTransport}. */
  public static final class Builder {
    private final URI baseUrl;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private Duration timeout = Duration.ofMinutes(5);
    private Duration connectTimeout = Duration.ofSeconds(10);

    private Builder(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
    }

    /**
     * A header sent with every request (e.g. a gateway key as {@code x-portkey-api-key}); a
     * request's own options win over it.
     */
    public Builder header(String name, String value) {
      String lower = name.toLowerCase(Locale.ROOT);
      if (RESTRICTED.contains(lower)) {
        throw new IllegalArgumentException("the HTTP client sets " + name + " itself");
      }
      headers.put(lower, value);
      return this;
    }

    /** How long the gateway may take to start answering (default five minutes). */
    public Builder timeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /** How long connecting may take (default ten seconds). */
    public Builder connectTimeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("connect timeout must be positive");
      }
      this.connectTimeout = timeout;
      return this;
    }

    public RemoteTransport build() {
      String scheme = baseUrl.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme)) {
        throw new IllegalArgumentException("baseUrl must be an http(s) URL, not " + baseUrl);
      }
      return new RemoteTransport(this);
    }
  }
}
