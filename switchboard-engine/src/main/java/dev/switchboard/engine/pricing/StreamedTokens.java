package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.PassThroughUsage;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Counts the tokens a stream delivered, for a stream its client closed before the provider sent its
 * usage (providers send it last, if asked): the provider generated those tokens and bills them, so
 * they are charged, neither nothing nor the request's whole estimate. The same count serves chat
 * and text-completion streams, Anthropic's Messages streams ({@code /v1/messages}) and
 * passed-through event streams (read from their bytes by {@link UsageTap}).
 *
 * <ul>
 *   <li>completion tokens: one per event that carries text (content, refusal, reasoning, a tool
 *       call's name or arguments), or one per {@value #BYTES_PER_TOKEN} UTF-8 bytes of that text
 *       when that is more. OpenAI and the servers that copy it stream about one token per event;
 *       providers that send several tokens in one event are counted by their text's length, about
 *       four bytes to an English token. Where the text is in each format's events: {@link #isText};
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
    return new StreamedTokens(
        switch (asked) {
          case Operation.Chat chat -> WireJson.write(chat.request()).length;
          case Operation.TextCompletion completion -> WireJson.write(completion.request()).length;
          case Operation.Messages messages ->
              messages.request().toString().getBytes(StandardCharsets.UTF_8).length;
          case Operation.Responses responses ->
              responses.request().toString().getBytes(StandardCharsets.UTF_8).length;
          case Operation.PassThrough passThrough ->
              passThrough.request().body() == null ? 0 : passThrough.request().body().length;
          default -> 0;
        });
  }

  /** Counts the text of one event as the client received it. */
  void add(Object event) {
    addEvent(
        switch (event) {
          case ChatCompletionChunk chunk -> chatText(chunk);
          case Completion piece ->
              piece.choices() == null
                  ? 0
                  : piece.choices().stream().mapToLong(choice -> bytes(choice.text())).sum();
          case SseEvent named -> jsonText(named.data());
          case null, default -> 0;
        });
  }

  /** Counts one event that carried {@code bytes} of text (UTF-8); none when it carried none. */
  synchronized void addEvent(long bytes) {
    if (bytes > 0) {
      textEvents++;
      textBytes += bytes;
    }
  }

  /**
   * Whether the string value the parser stands on is streamed text in an event's JSON: a chat
   * chunk's {@code choices[].delta} content, refusal, reasoning or tool call (as {@link #chatText}
   * reads a typed chunk), a text completion's {@code choices[].text}, a Responses API event's
   * {@code delta} (https://platform.openai.com/docs/api-reference/responses-streaming), or an
   * Anthropic {@code content_block_delta}'s text, thinking or tool input
   * (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
   */
  static boolean isText(JsonStreamContext value) {
    List<String> path = new ArrayList<>(8);
    for (JsonStreamContext at = value; at != null && !at.inRoot(); at = at.getParent()) {
      if (path.size() == 8) {
        return false;
      }
      path.addFirst(at.inArray() ? "*" : at.getCurrentName());
    }
    return TEXT_PATHS.contains(path);
  }

  private static final Set<List<String>> TEXT_PATHS = textPaths();

  private static Set<List<String>> textPaths() {
    Set<List<String>> paths = new HashSet<>();
    for (String field : List.of("content", "refusal", "reasoning_content", "reasoning")) {
      paths.add(List.of("choices", "*", "delta", field));
    }
    paths.add(List.of("choices", "*", "delta", "tool_calls", "*", "function", "name"));
    paths.add(List.of("choices", "*", "delta", "tool_calls", "*", "function", "arguments"));
    paths.add(List.of("choices", "*", "text"));
    paths.add(List.of("delta"));
    for (String field : List.of("text", "thinking", "partial_json")) {
      paths.add(List.of("delta", field));
    }
    return Set.copyOf(paths);
  }

  /** The UTF-8 bytes of streamed text in one event's JSON ({@link #isText}); 0 if unreadable. */
  private static long jsonText(String json) {
    long bytes = 0;
    try (JsonParser parser = WireJson.mapper().getFactory().createParser(json)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.VALUE_STRING && isText(parser.getParsingContext())) {
          bytes += bytes(parser.getText());
        }
      }
    } catch (IOException unreadable) {
      // An event that is not JSON carries no text the client could read.
    }
    return bytes;
  }

  /** The usage so far: the prompt's estimate and the completion tokens counted. */
  synchronized Usage usage() {
    long completion = Math.max(textEvents, Math.ceilDiv(textBytes, BYTES_PER_TOKEN));
    return Usage.of(
        (int) Math.min(promptTokens, Integer.MAX_VALUE), (int) Math.min(completion, 1 << 30));
  }

  /**
   * The usage so far of a stream whose events already gave the provider's counts ({@code sent}, or
   * {@code null}): the provider's prompt count where it sent one, else the estimate; the higher of
   * its completion count and the one counted here.
   */
  Usage usage(PassThroughUsage sent) {
    Usage counted = usage();
    if (sent == null) {
      return counted;
    }
    int prompt = sent.promptTokens() != null ? sent.promptTokens() : counted.promptTokens();
    int completion =
        sent.completionTokens() != null
            ? Math.max(sent.completionTokens(), counted.completionTokens())
            : counted.completionTokens();
    return Usage.of(prompt, completion);
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
