package dev.switchboard.engine.cache;

import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds the complete chat answer from its stream, as the OpenAI SDKs do: per choice, the text
 * and refusal concatenated, tool calls gathered by index (id, type and name from their first
 * fragment, arguments concatenated), the finish reason; the envelope from the first chunk and the
 * usage from the chunk that carries it. And the reverse: a complete answer as a well-formed stream.
 */
public final class ChatStreamAssembler {
  private String id;
  private Long created;
  private String model;
  private String serviceTier;
  private String systemFingerprint;
  private Usage usage;
  private final TreeMap<Integer, ChoiceParts> choices = new TreeMap<>();
  private long characters;
  private boolean faithful = true;

  /**
   * Adds one chunk.
   *
   * @return the characters gathered so far, to bound what a recording holds
   */
  public long add(ChatCompletionChunk chunk) {
    if (id == null) {
      id = chunk.id();
      created = chunk.created();
      model = chunk.model();
      serviceTier = chunk.serviceTier();
      systemFingerprint = chunk.systemFingerprint();
    }
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
      int index = choice.index() == null ? 0 : choice.index();
      ChoiceParts parts = choices.computeIfAbsent(index, i -> new ChoiceParts());
      if (choice.logprobs() != null && !choice.logprobs().isNull()) {
        // Log probabilities are not reassembled: such an answer is not stored from a stream.
        faithful = false;
      }
      if (choice.finishReason() != null) {
        parts.finishReason = choice.finishReason();
      }
      ChatCompletionChunk.Delta delta = choice.delta();
      if (delta == null) {
        continue;
      }
      if (delta.role() != null) {
        parts.role = delta.role();
      }
      if (delta.content() != null) {
        parts.content = (parts.content == null ? new StringBuilder() : parts.content);
        parts.content.append(delta.content());
        characters += delta.content().length();
      }
      if (delta.refusal() != null) {
        parts.refusal = (parts.refusal == null ? new StringBuilder() : parts.refusal);
        parts.refusal.append(delta.refusal());
        characters += delta.refusal().length();
      }
      if (delta.toolCalls() != null) {
        for (ToolCall fragment : delta.toolCalls()) {
          int callIndex = fragment.index() == null ? 0 : fragment.index();
          ToolCallParts call = parts.toolCalls.computeIfAbsent(callIndex, i -> new ToolCallParts());
          if (fragment.id() != null) {
            call.id = fragment.id();
          }
          if (fragment.type() != null) {
            call.type = fragment.type();
          }
          if (fragment.function() != null) {
            if (fragment.function().name() != null) {
              call.name = fragment.function().name();
            }
            if (fragment.function().arguments() != null) {
              call.arguments.append(fragment.function().arguments());
              characters += fragment.function().arguments().length();
            }
          }
        }
      }
    }
    return characters;
  }

  /** Whether the stream carried nothing this reassembly would lose. */
  boolean faithful() {
    return faithful && id != null;
  }

  /** The complete answer the stream amounts to. */
  public ChatCompletion assemble() {
    List<ChatCompletion.Choice> whole = new ArrayList<>();
    choices.forEach((index, parts) -> {
      List<ToolCall> calls = null;
      if (!parts.toolCalls.isEmpty()) {
        calls = new ArrayList<>();
        for (ToolCallParts call : parts.toolCalls.values()) {
          calls.add(
              new ToolCall(
                  null,
                  call.id,
                  call.type == null ? "function" : call.type,
                  new ToolCall.FunctionCall(call.name, call.arguments.toString(), null),
                  null));
        }
      }
      ChatMessage.Assistant message =
          ChatMessage.Assistant.reply(
              parts.content == null ? null : MessageContent.of(parts.content.toString()),
              parts.refusal == null ? null : parts.refusal.toString(),
              calls,
              null);
      whole.add(new ChatCompletion.Choice(index, message, null, parts.finishReason, null));
    });
    return new ChatCompletion(
        id, "chat.completion", created, model, whole, usage, serviceTier, systemFingerprint, null);
  }

  /**
   * A complete answer as a stream: per choice, one chunk with the role and all of its content,
   * refusal and tool calls, then one with its finish reason; then, when asked for and known, the
   * usage chunk with no choices.
   */
  static List<ChatCompletionChunk> replay(ChatCompletion answer, boolean includeUsage) {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    for (ChatCompletion.Choice choice : answer.choices()) {
      ChatMessage.Assistant message = choice.message();
      List<ToolCall> calls = null;
      if (message != null && message.toolCalls() != null) {
        calls = new ArrayList<>();
        int callIndex = 0;
        for (ToolCall call : message.toolCalls()) {
          calls.add(new ToolCall(callIndex++, call.id(), call.type(), call.function(), null));
        }
      }
      String content =
          message == null || message.content() == null ? null : message.content().text();
      ChatCompletionChunk.Delta delta =
          new ChatCompletionChunk.Delta(
              "assistant",
              content == null && calls == null ? "" : content,
              message == null ? null : message.refusal(),
              calls,
              null);
      chunks.add(
          chunk(
              answer,
              new ChatCompletionChunk.Choice(choice.index(), delta, null, null, null),
              null));
      chunks.add(
          chunk(
              answer,
              new ChatCompletionChunk.Choice(
                  choice.index(),
                  new ChatCompletionChunk.Delta(null, null, null, null, null),
                  null,
                  choice.finishReason(),
                  null),
              null));
    }
    if (includeUsage && answer.usage() != null) {
      chunks.add(
          new ChatCompletionChunk(
              answer.id(),
              ChatCompletionChunk.OBJECT,
              answer.created(),
              answer.model(),
              List.of(),
              answer.usage(),
              answer.serviceTier(),
              answer.systemFingerprint(),
              null));
    }
    return chunks;
  }

  private static ChatCompletionChunk chunk(
      ChatCompletion answer, ChatCompletionChunk.Choice choice, Usage usage) {
    return new ChatCompletionChunk(
        answer.id(),
        ChatCompletionChunk.OBJECT,
        answer.created(),
        answer.model(),
        List.of(choice),
        usage,
        answer.serviceTier(),
        answer.systemFingerprint(),
        null);
  }

  private static final class ChoiceParts {
    String role;
    StringBuilder content;
    StringBuilder refusal;
    String finishReason;
    final TreeMap<Integer, ToolCallParts> toolCalls = new TreeMap<>();
  }

  private static final class ToolCallParts {
    String id;
    String type;
    String name;
    final StringBuilder arguments = new StringBuilder();
  }
}
