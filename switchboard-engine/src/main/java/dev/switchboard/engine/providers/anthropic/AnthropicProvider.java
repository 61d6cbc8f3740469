package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
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

/**
 * Anthropic's Messages API (https://docs.anthropic.com/en/api/messages): OpenAI-format chat
 * translated to it and back, and {@code /v1/messages} and {@code /v1/messages/count_tokens} in
 * Anthropic's own format passed through.
 *
 * <p>Headers (https://docs.anthropic.com/en/api/versioning): the key as {@code x-api-key}, {@code
 * anthropic-version} from the target's {@code anthropic_version} (default {@value
 * #DEFAULT_VERSION}), {@code anthropic-beta} from {@code anthropic_beta} when set.
 */
public final class AnthropicProvider implements Provider {
  public static final String NAME = "anthropic";
  static final URI DEFAULT_BASE_URL = URI.create("https://api.anthropic.com/v1");

  /** The provider, at its API or at the {@code providers.anthropic.base-url} setting. */
  public static final ProviderFactory FACTORY =
      ProviderFactory.single(NAME, DEFAULT_BASE_URL, AnthropicProvider::new);

  static final String DEFAULT_VERSION = "2023-06-01";

  private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  private final URI baseUrl;
  private final UpstreamClient client;
  private final Duration defaultTimeout;
  private final Clock clock;

  /**
   * @param baseUrl the API's base URL, up to and including the version, e.g. {@code
   *     https://api.anthropic.com/v1}
   * @param defaultTimeout the time a call may take when the request sets none; {@code null} for no
   *     limit
   * @param clock where responses' {@code created} times come from
   */
  AnthropicProvider(URI baseUrl, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.baseUrl = baseUrl;
    this.client = client;
    this.defaultTimeout = defaultTimeout;
    this.clock = clock;
  }

  @Override
  public Capabilities capabilities() {
    return Capabilities.chatWithTools().withMessages();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    ObjectNode body = AnthropicRequestTranslator.toMessagesRequest(request.withStream(null));
    Reply<JsonNode> reply = readJson(post(target, "/messages", body, false, request));
    return new Reply<>(
        AnthropicResponseTranslator.toChatCompletion(
            reply.body(), strict(target), clock.instant().getEpochSecond()),
        reply.headers());
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    ObjectNode body = AnthropicRequestTranslator.toMessagesRequest(request);
    var translator =
        new AnthropicStreamTranslator(
            NAME, strict(target), request.wantsStreamUsage(), clock.instant().getEpochSecond());
    return TranslatedStream.ofSse(NAME, post(target, "/messages", body, true, request), translator);
  }

  @Override
  public Reply<JsonNode> messages(ObjectNode request, Target target) {
    return readJson(post(target, "/messages", request, false, null));
  }

  @Override
  public ResponseStream<SseEvent> streamMessages(ObjectNode request, Target target) {
    return TranslatedStream.ofSse(
        NAME, post(target, "/messages", request, true, null), new AnthropicEventPassThrough(NAME));
  }

  @Override
  public Reply<JsonNode> countTokens(ObjectNode request, Target target) {
    return readJson(post(target, "/messages/count_tokens", request, false, null));
  }

  /** Portkey's {@code strict_open_ai_compliance}: on unless set to {@code false}. */
  private static boolean strict(Target target) {
    return !"false".equalsIgnoreCase(target.option("strict_open_ai_compliance"));
  }

  private UpstreamResponse post(
      Target target, String path, JsonNode body, boolean streaming, ChatRequest chat) {
    var call =
        new UpstreamRequest(
            NAME,
            "POST",
            url(target, path),
            headers(target, streaming, chat),
            WireJson.write(body),
            target.requestTimeout() != null ? target.requestTimeout() : defaultTimeout,
            streaming,
            target.hops());
    return succeeded(client.send(call, MAX_RESPONSE_BYTES));
  }

  private URI url(Target target, String path) {
    String base = target.customHost() != null ? target.customHost() : baseUrl.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + path);
  }

  /**
   * Anthropic's headers. As in Portkey, a chat request's body may carry {@code anthropic_version}
   * and {@code anthropic_beta} for clients that cannot set headers; the target's options win.
   */
  private static List<Map.Entry<String, String>> headers(
      Target target, boolean streaming, ChatRequest chat) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("content-type", "application/json"));
    headers.add(Map.entry("accept", streaming ? "text/event-stream" : "application/json"));
    if (target.apiKey() != null) {
      headers.add(Map.entry("x-api-key", target.apiKey()));
    }
    String version = option(target, chat, "anthropic_version");
    headers.add(Map.entry("anthropic-version", version != null ? version : DEFAULT_VERSION));
    String beta = option(target, chat, "anthropic_beta");
    if (beta != null) {
      headers.add(Map.entry("anthropic-beta", beta));
    }
    headers.addAll(target.forwardHeaders());
    return headers;
  }

  private static String option(Target target, ChatRequest chat, String name) {
    String value = target.option(name);
    if (value == null && chat != null) {
      JsonNode inBody = chat.extras().get(name);
      if (inBody != null && inBody.isTextual()) {
        value = inBody.asText();
      }
    }
    return value;
  }

  /** The response, if it succeeded; else Anthropic's error, with its status, in OpenAI's shape. */
  private static UpstreamResponse succeeded(UpstreamResponse response) {
    return response.succeededOr(NAME, AnthropicErrors::errorObject);
  }

  private static Reply<JsonNode> readJson(UpstreamResponse response) {
    byte[] body;
    try (response) {
      body = response.readBody(MAX_RESPONSE_BYTES);
    }
    try {
      return new Reply<>(WireJson.tree(body), response.headers());
    } catch (WireFormatException e) {
      throw new UpstreamFailureException(
          NAME, "The provider's response is not valid JSON: " + e.getMessage(), true, e);
    }
  }
}
