package dev.switchboard.engine.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.ToolCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Digests of what an answer said, for comparing a request's answer with its shadow's without
 * keeping either: one of its text (the first choice's, whitespace at either end dropped) and one of
 * its tool calls (each call's function name and its arguments read as JSON, so spacing and key
 * order do not make two calls differ; ids are ignored). Two answers agree on a part when its
 * digests are equal. {@code null} for a part an answer does not have (an embedding has no text; an
 * answer without tool calls has none).
 *
 * @param text the digest of the answer's text, or {@code null}
 * @param toolCalls the digest of its tool calls, or {@code null}
 */
public record AnswerDigest(String text, String toolCalls) {
  /** No digests: an answer not compared, or one without text or tool calls. */
  public static final AnswerDigest NONE = new AnswerDigest(null, null);

  /** Writes objects with their keys sorted, so that key order does not change a digest. */
  private static final ObjectMapper SORTED =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** The digests of a whole answer: a chat completion, a text completion or a Messages answer. */
  static AnswerDigest of(Object body) {
    return switch (body) {
      case ChatCompletion chat -> ofChat(chat.message());
      case Completion completion ->
          new AnswerDigest(
              completion.choices().isEmpty()
                  ? null
                  : digest(completion.choices().getFirst().text()),
              null);
      case JsonNode message when message.path("type").asText().equals("message") ->
          ofMessages(message);
      case null, default -> NONE;
    };
  }

  private static AnswerDigest ofChat(ChatMessage.Assistant message) {
    if (message == null) {
      return NONE;
    }
    String text = message.content() == null ? null : message.content().text();
    String calls = null;
    if (message.toolCalls() != null && !message.toolCalls().isEmpty()) {
      StringBuilder all = new StringBuilder();
      for (ToolCall call : message.toolCalls()) {
        if (call.function() != null) {
          all.append(call.function().name())
              .append('\u0000')
              .append(canonical(call.function().arguments()))
              .append('\u0001');
        }
      }
      calls = digest(all.toString());
    }
    return new AnswerDigest(digest(text), calls);
  }

  /** Anthropic's Messages answer: its text blocks, and its {@code tool_use} blocks. */
  private static AnswerDigest ofMessages(JsonNode message) {
    StringBuilder text = new StringBuilder();
    StringBuilder calls = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "tool_use" ->
            calls
                .append(block.path("name").asText())
                .append('\u0000')
                .append(canonical(block.path("input").toString()))
                .append('\u0001');
        default -> {}
      }
    }
    return new AnswerDigest(
        digest(text.isEmpty() ? null : text.toString()),
        calls.isEmpty() ? null : digest(calls.toString()));
  }

  /** Arguments as JSON with sorted keys, or as sent when they are not JSON. */
  private static String canonical(String arguments) {
    if (arguments == null) {
      return "";
    }
    try {
      return SORTED.writeValueAsString(SORTED.readValue(arguments, Object.class));
    } catch (java.io.IOException notJson) {
      return arguments;
    }
  }

  /** The first 16 hex digits of the SHA-256 of the trimmed text, or {@code null} for none. */
  private static String digest(String text) {
    if (text == null) {
      return null;
    }
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(text.strip().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
