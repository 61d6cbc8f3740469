package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Counts the tokens a stream delivered, for a stream its client closed before the provider sent its
 * usage (providers send it last, if asked): the provider generated those tokens and bills them, so
 * they are charged, neither nothing nor the request's whole estimate.
 *
 * <ul>
 *   <li>completion tokens: one per event that carries text (content, refusal, reasoning, a tool
 *       call's name or arguments), or one per {@value #BYTES_PER_TOKEN} UTF-8 bytes of that text
 *       when that is more. OpenAI and the servers that copy it stream about one token per event;
 *       providers that send several tokens in one event are counted by their text's length, about
 *       four bytes to an English token;
 *   <li>prompt tokens: the request's estimate, as budgets reserve it (one per UTF-8 byte of the
 *       request body): the provider read the whole prompt, and no tokenizer is at hand to count it.
 * </ul>
 *
 * <p>Thread-safe: the events are counted on the request's thread, the usage reckoned on the thread
 * that noticed the client leave.
 */
final class StreamedTokens {
  /** The UTF-8 bytes of streamed text counted as one token, when events carry several. */
  static final int BYTES_PER_TOKEN = 4;

  /** Reasoning text as OpenAI-compatible servers stream it, beside {@code content}. */
  private static final List<String> REASONING_FIELDS = List.of("reasoning_content", "reasoning");

  private final long promptTokens;
  private long textEvents;
  private long textBytes;

  private StreamedTokens(long promptTokens) {
    this.promptTokens = promptTokens;
  }

  /** A count for the stream that answers {@code asked}, the client's request. */
  static StreamedTokens of(Operation asked) {
    Object body =
        switch (asked) {
          case Operation.Chat chat -> chat.request();
          case Operation.TextCompletion completion -> completion.request();
          default -> null;
        };
    return new StreamedTokens(body == null ? 0 : WireJson.write(body).length);
  }

  /** Counts the text of one event as the client received it. */
  synchronized void add(Object event) {
    long bytes =
        switch (event) {
          case ChatCompletionChunk chunk -> chatText(chunk);
          case Completion piece ->
              piece.choices() == null
                  ? 0
                  : piece.choices().stream().mapToLong(choice -> bytes(choice.text())).sum();
          case null, default -> 0;
        };
    if (bytes > 0) {
      textEvents++;
      textBytes += bytes;
    }
  }

  /** The usage so far: the prompt's estimate and the completion tokens counted. */
  synchronized Usage usage() {
    long completion = Math.max(textEvents, Math.ceilDiv(textBytes, BYTES_PER_TOKEN));
    return Usage.of(
        (int) Math.min(promptTokens, Integer.MAX_VALUE), (int) Math.min(completion, 1 << 30));
  }

  private static long chatText(ChatCompletionChunk chunk) {
    long bytes = 0;
    if (chunk.choices() == null) {
      return 0;
    }
    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
      ChatCompletionChunk.Delta delta = choice.delta();
      if (delta == null) {
        continue;
      }
      bytes += bytes(delta.content()) + bytes(delta.refusal());
      for (String field : REASONING_FIELDS) {
        JsonNode reasoning = delta.extras().get(field);
        if (reasoning != null && reasoning.isTextual()) {
          bytes += bytes(reasoning.asText());
        }
      }
      if (delta.toolCalls() != null) {
        for (ToolCall call : delta.toolCalls()) {
          if (call.function() != null) {
            bytes += bytes(call.function().name()) + bytes(call.function().arguments());
          }
        }
      }
    }
    return bytes;
  }

  private static long bytes(String text) {
    return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
  }
}
