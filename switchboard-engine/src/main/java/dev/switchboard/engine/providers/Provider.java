package dev.switchboard.engine.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;

/**
 * One model provider's wire protocol: translates the OpenAI-format request to the provider's, calls
 * it through the outbound client, and translates its answer back. One implementation per protocol,
 * registered in {@link ProviderRegistry}.
 *
 * <p>An operation a provider does not offer answers a 400 that says so.
 */
public interface Provider {

  /** The name clients select it by ({@code x-portkey-provider}). */
  String name();

  /** What it serves; {@code docs/providers.md} shows the same (a test checks). */
  Capabilities capabilities();

  Reply<ChatCompletion> chat(ChatRequest request, Target target);

  ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target);

  default Reply<Completion> complete(CompletionRequest request, Target target) {
    throw unsupported("/v1/completions");
  }

  default ResponseStream<Completion> streamCompletion(CompletionRequest request, Target target) {
    throw unsupported("/v1/completions");
  }

  default Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    throw unsupported("/v1/embeddings");
  }

  default Reply<ModelList> models(Target target) {
    throw unsupported("/v1/models");
  }

  /**
   * Anthropic's Messages API in its own format ({@code POST /v1/messages}): the body as the client
   * sent it, the answer as the provider gave it.
   */
  default Reply<JsonNode> messages(ObjectNode request, Target target) {
    throw unsupported("/v1/messages");
  }

  /** {@code POST /v1/messages} with {@code "stream": true}: Anthropic's events, as they come. */
  default ResponseStream<SseEvent> streamMessages(ObjectNode request, Target target) {
    throw unsupported("/v1/messages");
  }

  /**
   * OpenAI's Responses API in its own format ({@code POST /v1/responses}), for a provider that
   * speaks it natively; the others serve it over chat completions.
   */
  default Reply<JsonNode> responses(ObjectNode request, Target target) {
    throw unsupported("/v1/responses");
  }

  /** {@code POST /v1/responses} with {@code "stream": true}: the Responses API's events. */
  default ResponseStream<SseEvent> streamResponses(ObjectNode request, Target target) {
    throw unsupported("/v1/responses");
  }

  /** Anthropic's {@code POST /v1/messages/count_tokens}, in its own format. */
  default Reply<JsonNode> countTokens(ObjectNode request, Target target) {
    throw unsupported("/v1/messages/count_tokens");
  }

  /**
   * Sends a request for a path the gateway does not model, unchanged, and returns the raw answer.
   */
  default UpstreamResponse passThrough(PassThroughRequest request, Target target) {
    throw unsupported(request.path());
  }

  private InvalidRequestException unsupported(String endpoint) {
    return new InvalidRequestException(
        endpoint + " is not supported by the " + name() + " provider", "x-portkey-provider", null);
  }
}
