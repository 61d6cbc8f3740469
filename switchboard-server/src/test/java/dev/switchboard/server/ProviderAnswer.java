package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.ReplayFixture;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * What a provider's recorded answer says, read from its own format with no code of the gateway's,
 * and what OpenAI's format makes of it: the text, the tool calls, the finish reason (by the mapping
 * each provider's section of docs/providers.md gives) and the token counts; or, for an error, its
 * status and message. A replay compares the gateway's answer with it.
 *
 * @param status the provider's status
 * @param text the answer's text, joined ("" when none)
 * @param toolCalls the tool calls in order
 * @param finishReason OpenAI's finish reason for it, or {@code null} for an error
 * @param promptTokens the prompt's tokens, or -1 when the answer gives none
 * @param completionTokens the completion's tokens, or -1 when the answer gives none
 * @param errorMessage the provider's error message, or {@code null}
 */
record ProviderAnswer(
    int status,
    String text,
    List<ToolCall> toolCalls,
    String finishReason,
    int promptTokens,
    int completionTokens,
    String errorMessage) {

  /**
   * One tool call.
   *
   * @param id its id, or {@code null} when the provider gives none (Gemini)
   * @param name the function's name
   * @param arguments its arguments as JSON
   */
  record ToolCall(String id, String name, JsonNode arguments) {}

  private static final Map<String, String> ANTHROPIC_STOPS =
      Map.of(
          "end_turn", "stop",
          "stop_sequence", "stop",
          "pause_turn", "stop",
          "tool_use", "tool_calls",
          "max_tokens", "length",
          "refusal", "content_filter");
  private static final Map<String, String> BEDROCK_STOPS =
      Map.of(
          "end_turn", "stop",
          "stop_sequence", "stop",
          "tool_use", "tool_calls",
          "max_tokens", "length",
          "guardrail_intervened", "content_filter",
          "content_filtered", "content_filter");
  private static final Map<String, String> COHERE_STOPS =
      Map.of(
          "COMPLETE", "stop",
          "STOP_SEQUENCE", "stop",
          "MAX_TOKENS", "length",
          "TOOL_CALL", "tool_calls",
          "ERROR", "stop",
          "TIMEOUT", "stop");
  private static final Map<String, String> GEMINI_STOPS =
      Map.of(
          "STOP", "stop",
          "MAX_TOKENS", "length",
          "SAFETY", "content_filter",
          "RECITATION", "content_filter",
          "PROHIBITED_CONTENT", "content_filter",
          "BLOCKLIST", "content_filter",
          "SPII", "content_filter");

  /** Reads {@code fixture}'s answer in its provider's format. */
  static ProviderAnswer of(ReplayFixture fixture) {
    ReplayFixture.ProviderResponse response = fixture.response();
    String provider = fixture.provider();
    if (response.status() >= 400) {
      return error(provider, response);
    }
    Builder answer = new Builder(response.status());
    switch (provider) {
      case "openai", "azure-openai", "mistral-ai", "groq" -> {
        if (response.isStream()) {
          sseData(response).forEach(data -> openAiChunk(answer, data));
        } else {
          openAiChunk(answer, WireJson.tree(response.text()));
        }
      }
      case "anthropic" -> {
        if (response.isStream()) {
          sseData(response).forEach(data -> anthropicEvent(answer, data));
        } else {
          anthropicMessage(answer, WireJson.tree(response.text()));
        }
      }
      case "google", "vertex-ai" -> {
        if (response.isStream()) {
          sseData(response).forEach(data -> geminiResponse(answer, data));
        } else {
          geminiResponse(answer, WireJson.tree(response.text()));
        }
      }
      case "bedrock" -> {
        if (response.isStream()) {
          MessageDecoder decoder = new MessageDecoder();
          decoder.feed(response.body());
          for (Message message : decoder.getDecodedMessages()) {
            converseEvent(
                answer,
                message.getHeaders().get(":event-type").getString(),
                WireJson.tree(new String(message.getPayload(), StandardCharsets.UTF_8)));
          }
        } else {
          converseResponse(answer, WireJson.tree(response.text()));
        }
      }
      case "cohere" -> {
        if (response.isStream()) {
          sseData(response).forEach(data -> cohereEvent(answer, data));
        } else {
          cohereResponse(answer, WireJson.tree(response.text()));
        }
      }
      default -> throw new IllegalArgumentException("no reader for the provider " + provider);
    }
    return answer.build();
  }

  private static ProviderAnswer error(String provider, ReplayFixture.ProviderResponse response) {
    JsonNode body = WireJson.tree(response.text());
    String message =
        switch (provider) {
          case "anthropic", "openai", "azure-openai", "mistral-ai", "groq", "google", "vertex-ai" ->
              body.path("error").path("message").asText();
          default -> body.path("message").asText();
        };
    return new ProviderAnswer(response.status(), "", List.of(), null, -1, -1, message);
  }

  // OpenAI: the answer is already in OpenAI's format.

  private static void openAiChunk(Builder answer, JsonNode chunk) {
    if (chunk.hasNonNull("usage")) {
      answer.prompt = chunk.get("usage").path("prompt_tokens").asInt();
      answer.completion = chunk.get("usage").path("completion_tokens").asInt();
    }
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode message = choice.has("delta") ? choice.get("delta") : choice.path("message");
      if (message.hasNonNull("content")) {
        answer.text.append(message.get("content").asText());
      }
      int position = 0;
      for (JsonNode call : message.path("tool_calls")) {
        int index = call.has("index") ? call.get("index").asInt() : position;
        position++;
        answer.call(index, call.path("id").asText(null), call.path("function").path("name"));
        answer.arguments(index, call.path("function").path("arguments").asText(""));
      }
      if (choice.hasNonNull("finish_reason")) {
        answer.finish = choice.get("finish_reason").asText();
      }
    }
  }

  // Anthropic's Messages API: https://docs.anthropic.com/en/api/messages

  private static void anthropicMessage(Builder answer, JsonNode message) {
    int index = 0;
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> answer.text.append(block.path("text").asText());
        case "tool_use" -> {
          answer.call(index, block.path("id").asText(), block.path("name"));
          answer.arguments(index++, block.path("input").toString());
        }
        default -> {}
      }
    }
    answer.finish = ANTHROPIC_STOPS.get(message.path("stop_reason").asText());
    answer.prompt = message.path("usage").path("input_tokens").asInt();
    answer.completion = message.path("usage").path("output_tokens").asInt();
  }

  private static void anthropicEvent(Builder answer, JsonNode event) {
    switch (event.path("type").asText()) {
      case "message_start" ->
          answer.prompt = event.path("message").path("usage").path("input_tokens").asInt();
      case "content_block_start" -> {
        JsonNode block = event.path("content_block");
        if (block.path("type").asText().equals("tool_use")) {
          answer.blockToCall.put(event.path("index").asInt(), answer.calls.size());
          answer.call(answer.calls.size(), block.path("id").asText(), block.path("name"));
        }
      }
      case "content_block_delta" -> {
        JsonNode delta = event.path("delta");
        switch (delta.path("type").asText()) {
          case "text_delta" -> answer.text.append(delta.path("text").asText());
          case "input_json_delta" ->
              answer.arguments(
                  answer.blockToCall.get(event.path("index").asInt()),
                  delta.path("partial_json").asText());
          default -> {}
        }
      }
      case "message_delta" -> {
        answer.finish = ANTHROPIC_STOPS.get(event.path("delta").path("stop_reason").asText());
        answer.completion = event.path("usage").path("output_tokens").asInt();
      }
      default -> {}
    }
  }

  // Gemini's generateContent: https://ai.google.dev/api/generate-content

  private static void geminiResponse(Builder answer, JsonNode response) {
    JsonNode candidate = response.path("candidates").path(0);
    for (JsonNode part : candidate.path("content").path("parts")) {
      if (part.has("text") && !part.path("thought").asBoolean(false)) {
        answer.text.append(part.get("text").asText());
      }
      if (part.has("functionCall")) {
        int index = answer.calls.size();
        answer.call(index, null, part.get("functionCall").path("name"));
        answer.arguments(index, part.get("functionCall").path("args").toString());
      }
    }
    if (candidate.hasNonNull("finishReason")) {
      String reason = candidate.get("finishReason").asText();
      answer.finish =
          reason.equals("STOP") && !answer.calls.isEmpty()
              ? "tool_calls"
              : GEMINI_STOPS.getOrDefault(reason, "stop");
    }
    JsonNode usage = response.path("usageMetadata");
    if (usage.has("promptTokenCount")) {
      answer.prompt = usage.get("promptTokenCount").asInt();
      answer.completion = usage.path("candidatesTokenCount").asInt(0);
    }
  }

  // Bedrock's Converse and ConverseStream:
  // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html

  private static void converseResponse(Builder answer, JsonNode response) {
    int index = 0;
    for (JsonNode block : response.path("output").path("message").path("content")) {
      if (block.has("text")) {
        answer.text.append(block.get("text").asText());
      }
      if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        answer.call(index, use.path("toolUseId").asText(), use.path("name"));
        answer.arguments(index++, use.path("input").toString());
      }
    }
    answer.finish = BEDROCK_STOPS.get(response.path("stopReason").asText());
    answer.prompt = response.path("usage").path("inputTokens").asInt();
    answer.completion = response.path("usage").path("outputTokens").asInt();
  }

  private static void converseEvent(Builder answer, String type, JsonNode event) {
    switch (type) {
      case "contentBlockStart" -> {
        JsonNode use = event.path("start").path("toolUse");
        if (!use.isMissingNode()) {
          answer.blockToCall.put(event.path("contentBlockIndex").asInt(), answer.calls.size());
          answer.call(answer.calls.size(), use.path("toolUseId").asText(), use.path("name"));
        }
      }
      case "contentBlockDelta" -> {
        JsonNode delta = event.path("delta");
        if (delta.has("text")) {
          answer.text.append(delta.get("text").asText());
        }
        if (delta.has("toolUse")) {
          answer.arguments(
              answer.blockToCall.get(event.path("contentBlockIndex").asInt()),
              delta.get("toolUse").path("input").asText());
        }
      }
      case "messageStop" -> answer.finish = BEDROCK_STOPS.get(event.path("stopReason").asText());
      case "metadata" -> {
        answer.prompt = event.path("usage").path("inputTokens").asInt();
        answer.completion = event.path("usage").path("outputTokens").asInt();
      }
      default -> {}
    }
  }

  // Cohere's v2 chat: https://docs.cohere.com/reference/chat

  private static void cohereResponse(Builder answer, JsonNode response) {
    JsonNode message = response.path("message");
    for (JsonNode item : message.path("content")) {
      if (item.path("type").asText().equals("text")) {
        answer.text.append(item.path("text").asText());
      }
    }
    int index = 0;
    for (JsonNode call : message.path("tool_calls")) {
      answer.call(index, call.path("id").asText(), call.path("function").path("name"));
      answer.arguments(index++, call.path("function").path("arguments").asText());
    }
    answer.finish = COHERE_STOPS.get(response.path("finish_reason").asText());
    cohereUsage(answer, response.path("usage"));
  }

  private static void cohereEvent(Builder answer, JsonNode event) {
    JsonNode delta = event.path("delta");
    switch (event.path("type").asText()) {
      case "content-delta" ->
          answer.text.append(delta.path("message").path("content").path("text").asText());
      case "tool-call-start" -> {
        JsonNode call = delta.path("message").path("tool_calls");
        int index = answer.calls.size();
        answer.call(index, call.path("id").asText(), call.path("function").path("name"));
        answer.arguments(index, call.path("function").path("arguments").asText(""));
      }
      case "tool-call-delta" ->
          answer.arguments(
              answer.calls.size() - 1,
              delta.path("message").path("tool_calls").path("function").path("arguments").asText());
      case "message-end" -> {
        answer.finish = COHERE_STOPS.get(delta.path("finish_reason").asText());
        cohereUsage(answer, delta.path("usage"));
      }
      default -> {}
    }
  }

  /** Cohere's {@code tokens} when given, else {@code billed_units} (docs/providers.md). */
  private static void cohereUsage(Builder answer, JsonNode usage) {
    JsonNode counts = usage.has("tokens") ? usage.get("tokens") : usage.path("billed_units");
    answer.prompt = counts.path("input_tokens").asInt();
    answer.completion = counts.path("output_tokens").asInt();
  }

  /**
   * The JSON payloads of the {@code data:} lines of a server-sent-events body, {@code [DONE]} left
   * out.
   */
  private static List<JsonNode> sseData(ReplayFixture.ProviderResponse response) {
    List<JsonNode> data = new ArrayList<>();
    for (String line : response.text().split("\r?\n")) {
      if (line.startsWith("data:")) {
        String payload = line.substring(5).strip();
        if (!payload.equals("[DONE]") && !payload.isEmpty()) {
          data.add(WireJson.tree(payload));
        }
      }
    }
    return data;
  }

  /** An answer being read. */
  private static final class Builder {
    final int status;
    final StringBuilder text = new StringBuilder();
    final TreeMap<Integer, String[]> calls = new TreeMap<>();
    final TreeMap<Integer, StringBuilder> arguments = new TreeMap<>();
    final Map<Integer, Integer> blockToCall = new TreeMap<>();
    String finish;
    int prompt = -1;
    int completion = -1;

    Builder(int status) {
      this.status = status;
    }

    void call(int index, String id, JsonNode name) {
      calls.putIfAbsent(index, new String[] {id, name.asText(null)});
      arguments.putIfAbsent(index, new StringBuilder());
    }

    void arguments(int index, String fragment) {
      arguments.get(index).append(fragment);
    }

    ProviderAnswer build() {
      List<ToolCall> toolCalls = new ArrayList<>();
      calls.forEach((index, call) -> {
        String json = arguments.get(index).toString();
        toolCalls.add(new ToolCall(call[0], call[1], WireJson.tree(json.isEmpty() ? "{}" : json)));
      });
      return new ProviderAnswer(
          status, text.toString(), toolCalls, finish, prompt, completion, null);
    }
  }
}
