package dev.switchboard.engine.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;

/** What a client asked the gateway to do. */
public sealed interface Operation {

  /** A chat completion, streamed when the request says so. */
  record Chat(ChatRequest request) implements Operation {}

  /** A legacy text completion, streamed when the request says so. */
  record TextCompletion(CompletionRequest request) implements Operation {}

  /** Embeddings of one or more inputs. */
  record Embedding(EmbeddingRequest request) implements Operation {}

  /** The provider's model list. */
  record ListModels() implements Operation {}

  /**
   * Anthropic's Messages API in its own format ({@code POST /v1/messages}), streamed when the body
   * says {@code "stream": true}. The body is not modified.
   */
  record Messages(ObjectNode request) implements Operation {}

  /**
   * OpenAI's Responses API in its own format ({@code POST /v1/responses}), streamed when the body
   * says {@code "stream": true}.
   */
  record Responses(ObjectNode request) implements Operation {}

  /** Anthropic's {@code POST /v1/messages/count_tokens}, in its own format. */
  record CountTokens(ObjectNode request) implements Operation {}

  /** A provider path the gateway does not model, sent on unchanged. */
  record PassThrough(PassThroughRequest request) implements Operation {}

  /** The gateway path the client called, e.g. {@code /v1/chat/completions}. */
  default String path() {
    return switch (this) {
      case Chat chat -> "/v1/chat/completions";
      case TextCompletion completion -> "/v1/completions";
      case Embedding e -> "/v1/embeddings";
      case ListModels m -> "/v1/models";
      case Messages messages -> "/v1/messages";
      case Responses responses -> "/v1/responses";
      case CountTokens c -> "/v1/messages/count_tokens";
      case PassThrough passThrough -> "/v1" + passThrough.request().path();
    };
  }

  /** The model the request names, or {@code null} (model lists, pass-through, none named). */
  default String model() {
    return switch (this) {
      case Chat chat -> chat.request().model();
      case TextCompletion completion -> completion.request().model();
      case Embedding embedding -> embedding.request().model();
      case Messages messages -> messages.request().path("model").asText(null);
      case Responses responses -> responses.request().path("model").asText(null);
      case CountTokens c -> null;
      case ListModels m -> null;
      case PassThrough p -> null;
    };
  }

  /** Whether the answer is a stream of events. */
  default boolean streaming() {
    return switch (this) {
      case Chat chat -> chat.request().isStreaming();
      case TextCompletion completion -> completion.request().isStreaming();
      case Embedding e -> false;
      case ListModels m -> false;
      case Messages messages -> messages.request().path("stream").asBoolean(false);
      case Responses responses -> responses.request().path("stream").asBoolean(false);
      case CountTokens c -> false;
      case PassThrough p -> false;
    };
  }

  /**
   * Whether its stream's events are named ({@code event:} lines), as the Messages and Responses
   * APIs name theirs; chat and completion chunks are not.
   */
  default boolean namedEvents() {
    return this instanceof Messages || this instanceof Responses;
  }
}
