package dev.switchboard.engine.providers.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure translators against fixtures shaped as Anthropic documents its messages and streams. */
class AnthropicTranslatorsTest {

  static InputStream fixture(String name) {
    InputStream in = AnthropicTranslatorsTest.class.getResourceAsStream("/anthropic/" + name);
    assertThat(in).as(name).isNotNull();
    return in;
  }

  static List<ChatCompletionChunk> translate(String fixture, AnthropicStreamTranslator translator)
      throws IOException {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (InputStream in = fixture(fixture)) {
      SseReader reader = new SseReader(in);
      for (SseEvent event = reader.next(); event != null; event = reader.next()) {
        JsonNode data = WireJson.tree(event.data());
        chunks.addAll(translator.translate(event.event(), data));
      }
    }
    return chunks;
  }

  @Test
  void parallelToolUseBlocksBecomeToolCallIndexesZeroAndOne() throws IOException {
    var translator = new AnthropicStreamTranslator("anthropic", true, true, 1_700_000_000L);

    List<ChatCompletionChunk> chunks = translate("stream-parallel-tool-use.sse", translator);

    assertThat(translator.finished()).isTrue();
    assertThat(chunks.getFirst().choices().getFirst().delta().role()).isEqualTo("assistant");
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.id()).isEqualTo("msg_014p7gG3wDgGV9EUtLvnow3U"));
    List<ToolCall> fragments =
        chunks.stream()
            .flatMap(c -> c.choices().stream())
            .filter(c -> c.delta().toolCalls() != null)
            .flatMap(c -> c.delta().toolCalls().stream())
            .toList();
    assertThat(fragments).extracting(ToolCall::index).containsExactly(0, 0, 0, 1, 1);
    assertThat(fragments.get(0).id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
    assertThat(fragments.get(0).function().name()).isEqualTo("get_weather");
    assertThat(fragments.get(1).id()).isNull();
    assertThat(fragments.get(1).function().name()).isNull();
    assertThat(fragments.get(1).function().arguments() + fragments.get(2).function().arguments())
        .isEqualTo("{\"city\": \"Paris\"}");
    assertThat(fragments.get(3).id()).isEqualTo("toolu_02A2x2fJ34qAmk2tNTrN7Up7");
    String text =
        chunks.stream()
            .flatMap(c -> c.choices().stream())
            .map(c -> c.delta().content())
            .filter(t -> t != null)
            .reduce("", String::concat);
    assertThat(text).isEqualTo("Checking both cities.");
    ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
    assertThat(finish.choices().getFirst().finishReason()).isEqualTo("tool_calls");
    ChatCompletionChunk usage = chunks.getLast();
    assertThat(usage.choices()).isEmpty();
    assertThat(usage.usage().promptTokens()).isEqualTo(472);
    assertThat(usage.usage().completionTokens()).isEqualTo(89);
    assertThat(usage.usage().totalTokens()).isEqualTo(472 + 89 + 100);
    assertThat(usage.usage().promptTokensDetails().cachedTokens()).isEqualTo(100);
  }

  @Test
  void withoutIncludeUsageTheFinishChunkIsLast() throws IOException {
    var translator = new AnthropicStreamTranslator("anthropic", true, false, 0L);

    List<ChatCompletionChunk> chunks = translate("stream-parallel-tool-use.sse", translator);

    assertThat(chunks.getLast().choices().getFirst().finishReason()).isEqualTo("tool_calls");
    assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isNull());
  }

  @Test
  void anErrorEventIsAProviderErrorWithTheStatusOfItsType() {
    var translator = new AnthropicStreamTranslator("anthropic", true, false, 0L);
    JsonNode error =
        WireJson.tree(
            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");

    assertThatThrownBy(() -> translator.translate("error", error))
        .isInstanceOfSatisfying(
            ProviderErrorException.class,
            e -> {
              assertThat(e.status()).isEqualTo(529);
              assertThat(e.error().path("type").asText()).isEqualTo("overloaded_error");
              assertThat(e.error().path("message").asText()).isEqualTo("Overloaded");
            });
  }

  @Test
  void aMessageBecomesAChatCompletion() throws IOException {
    JsonNode message;
    try (InputStream in = fixture("message-thinking-tool-use.json")) {
      message = WireJson.tree(in.readAllBytes());
    }

    ChatCompletion strict = AnthropicResponseTranslator.toChatCompletion(message, true, 1L);
    ChatCompletion lenient = AnthropicResponseTranslator.toChatCompletion(message, false, 1L);

    assertThat(WireJson.mapper().valueToTree(strict).toString())
        .isEqualTo(
            WireJson.tree(
                    """
                    {"id":"msg_01Aq9w938a90dw8q","object":"chat.completion","created":1,"model":"claude-sonnet-4-5",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"I'll check the weather.",
                       "refusal":null,"tool_calls":[{"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather",
                         "arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}}]},
                       "logprobs":null,"finish_reason":"tool_calls"}],
                     "usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":6598,
                       "prompt_tokens_details":{"cached_tokens":3000},
                       "cache_read_input_tokens":3000,"cache_creation_input_tokens":1000}}\
                    """)
                .toString());
    JsonNode blocks =
        WireJson.mapper().valueToTree(lenient).at("/choices/0/message/content_blocks");
    assertThat(blocks).hasSize(3);
    assertThat(blocks.get(0).path("signature").asText()).startsWith("EqQB");
    assertThat(lenient.choices().getFirst().finishReason()).isEqualTo("tool_use");
  }

  @Test
  void anAnswerThatIsOnlyToolCallsHasNoContentAsOpenAisHasNone() {
    JsonNode message =
        WireJson.tree(
            """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}],
             "stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":2}}\
            """);

    ChatCompletion completion = AnthropicResponseTranslator.toChatCompletion(message, true, 1L);

    JsonNode json = WireJson.mapper().valueToTree(completion).at("/choices/0/message");
    assertThat(json.has("content")).isTrue();
    assertThat(json.get("content").isNull()).isTrue();
    assertThat(json.at("/tool_calls/0/id").asText()).isEqualTo("toolu_1");
  }

  @Test
  void stopReasonsMapAsPortkeyMapsThem() {
    assertThat(AnthropicResponseTranslator.finishReason("end_turn", true)).isEqualTo("stop");
    assertThat(AnthropicResponseTranslator.finishReason("stop_sequence", true)).isEqualTo("stop");
    assertThat(AnthropicResponseTranslator.finishReason("pause_turn", true)).isEqualTo("stop");
    assertThat(AnthropicResponseTranslator.finishReason("tool_use", true)).isEqualTo("tool_calls");
    assertThat(AnthropicResponseTranslator.finishReason("max_tokens", true)).isEqualTo("length");
    assertThat(AnthropicResponseTranslator.finishReason(null, true)).isEqualTo("stop");
    assertThat(AnthropicResponseTranslator.finishReason("max_tokens", false))
        .isEqualTo("max_tokens");
  }
}
