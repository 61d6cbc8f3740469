package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The calls of Gemini's {@code generateContent} API, wherever it is served: Google AI's Gemini API
 * ({@code google}) and Vertex AI ({@code vertex-ai}) send the same bodies to different URLs with
 * different credentials. The caller gives the URL and the headers; this sends the translated
 * request through the {@link UpstreamClient} and translates the answer, its stream or its error.
 */
public final class GeminiApi {
  private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  private final String provider;
  private final UpstreamClient client;
  private final Duration defaultTimeout;
  private final Clock clock;

  /**
   * @param provider the provider's name, as errors and responses say it
   * @param defaultTimeout the time a call may take when the request sets none; {@code null} for no
   *     limit
   * @param clock where responses' {@code created} times come from
   */
  public GeminiApi(String provider, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.provider = provider;
    this.client = client;
    this.defaultTimeout = defaultTimeout;
    this.clock = clock;
  }

  /** {@code generateContent} at {@code url}, its answer as an OpenAI chat completion. */
  public Reply<ChatCompletion> chat(
      ChatRequest request, Target target, URI url, List<Map.Entry<String, String>> headers) {
    JsonNode body = GeminiRequestTranslator.toGenerateContent(request);
    Reply<JsonNode> reply = send("POST", url, headers, body, target, false);
    return new Reply<>(
        GeminiResponseTranslator.toChatCompletion(
            reply.body(), request.model(), strict(target), now(), turn(request)),
        reply.headers());
  }

  /** {@code streamGenerateContent?alt=sse} at {@code url}, its events as OpenAI chunks. */
  public ResponseStream<ChatCompletionChunk> streamChat(
      ChatRequest request, Target target, URI url, List<Map.Entry<String, String>> headers) {
    JsonNode body = GeminiRequestTranslator.toGenerateContent(request);
    UpstreamResponse response = post(url, headers, body, target, true);
    var translator =
        new GeminiStreamTranslator(
            provider,
            request.model(),
            strict(target),
            request.wantsStreamUsage(),
            now(),
            turn(request));
    return TranslatedStream.ofSse(provider, response, translator);
  }

  /** A JSON call (a {@code null} body for none), its answer parsed, a failure as Google's error. */
  public Reply<JsonNode> send(
      String method,
      URI url,
      List<Map.Entry<String, String>> headers,
      JsonNode body,
      Target target,
      boolean streaming) {
    return readJson(call(method, url, headers, body, target, streaming, GoogleErrors::errorObject));
  }

  /** A POST whose answer is read as it arrives. */
  public UpstreamResponse post(
      URI url,
      List<Map.Entry<String, String>> headers,
      JsonNode body,
      Target target,
      boolean streaming) {
    return call("POST", url, headers, body, target, streaming, GoogleErrors::errorObject);
  }

  /**
   * A call whose failure is translated by {@code errors}: for APIs served alongside Gemini's in
   * another provider's format (Anthropic's models on Vertex AI).
   */
  public UpstreamResponse call(
      String method,
      URI url,
      List<Map.Entry<String, String>> headers,
      JsonNode body,
      Target target,
      boolean streaming,
      Function<byte[], JsonNode> errors) {
    List<Map.Entry<String, String>> all = new ArrayList<>(headers);
    if (body != null) {
      all.add(0, Map.entry("content-type", "application/json"));
    }
    all.addAll(target.forwardHeaders());
    var call =
        new UpstreamRequest(
            provider,
            method,
            url,
            all,
            body == null ? null : WireJson.write(body),
            target.requestTimeout() != null ? target.requestTimeout() : defaultTimeout,
            streaming,
            target.hops());
    return client.send(call, MAX_RESPONSE_BYTES).succeededOr(provider, errors);
  }

  /** The answer parsed as JSON. */
  public Reply<JsonNode> readJson(UpstreamResponse response) {
    byte[] body;
    try (response) {
      body = response.readBody(MAX_RESPONSE_BYTES);
    }
    try {
      return new Reply<>(WireJson.tree(body), response.headers());
    } catch (WireFormatException e) {
      throw new UpstreamFailureException(
          provider, "The provider's response is not valid JSON: " + e.getMessage(), true, e);
    }
  }

  /** Portkey's {@code strict_open_ai_compliance}: on unless set to {@code false}. */
  public static boolean strict(Target target) {
    return !"false".equalsIgnoreCase(target.option("strict_open_ai_compliance"));
  }

  /** The current time, in seconds, for responses' {@code created}. */
  public long now() {
    return clock.instant().getEpochSecond();
  }

  private static int turn(ChatRequest request) {
    return request.messages() == null ? 0 : request.messages().size();
  }
}
