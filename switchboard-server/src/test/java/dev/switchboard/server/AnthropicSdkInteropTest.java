package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK running an agent loop against Anthropic through the gateway. */
class AnthropicSdkInteropTest {
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;
  static OpenAIClient openai;

  static final FunctionDefinition WEATHER =
      FunctionDefinition.builder()
          .name("get_weather")
          .description("Weather in a city")
          .parameters(
              FunctionParameters.builder()
                  .putAdditionalProperty("type", JsonValue.from("object"))
                  .putAdditionalProperty(
                      "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                  .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                  .build())
          .build();

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
    gateway = GatewayUnderTest.withProviders(Map.of("anthropic", anthropic.baseUrl()));
    openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("sk-ant-through-sdk")
            .putHeader("x-portkey-provider", "anthropic")
            .maxRetries(0)
            .build();
  }

  @AfterAll
  static void stop() {
    openai.close();
    gateway.close();
    anthropic.close();
  }

  static AnthropicReply twoCalls() {
    return AnthropicReply.builder()
        .toolUse("toolu_paris", "get_weather", "{\"city\":\"Paris\"}")
        .toolUse("toolu_rome", "get_weather", "{\"city\":\"Rome\"}")
        .build();
  }

  /** Answers each call the way a weather tool would. */
  static String weatherOf(ChatCompletionMessageToolCall call) {
    String arguments = call.asFunction().function().arguments();
    return arguments.contains("Paris") ? "18C and sunny" : "12C and rainy";
  }

  @Test
  void runsAParallelToolCallingLoop() {
    anthropic.enqueue(twoCalls());
    var first =
        ChatCompletionCreateParams.builder()
            .model("claude-sonnet-4-5")
            .addSystemMessage("You are a weather bot.")
            .addUserMessage("Weather in Paris and Rome?")
            .addFunctionTool(WEATHER)
            .build();

    ChatCompletion call = openai.chat().completions().create(first);

    assertThat(call.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    List<ChatCompletionMessageToolCall> toolCalls =
        call.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(toolCalls).hasSize(2);
    var next = first.toBuilder().addMessage(call.choices().getFirst().message());
    for (ChatCompletionMessageToolCall toolCall : toolCalls) {
      next.addMessage(
          ChatCompletionToolMessageParam.builder()
              .toolCallId(toolCall.asFunction().id())
              .content(weatherOf(toolCall))
              .build());
    }
    ChatCompletion answer = openai.chat().completions().create(next.build());

    assertThat(answer.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(answer.choices().getFirst().message().content())
        .hasValue("Tool results: 18C and sunny; 12C and rainy");
  }

  @Test
  void theSdkAccumulatesStreamedParallelToolCalls() {
    anthropic.enqueue(twoCalls());
    var params =
        ChatCompletionCreateParams.builder()
            .model("claude-sonnet-4-5")
            .addUserMessage("Weather in Paris and Rome?")
            .addFunctionTool(WEATHER)
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    ChatCompletion streamed = accumulator.chatCompletion();
    var calls = streamed.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(calls)
        .extracting(c -> c.asFunction().id())
        .containsExactly("toolu_paris", "toolu_rome");
    assertThat(calls.get(1).asFunction().function().arguments()).isEqualTo("{\"city\":\"Rome\"}");
    assertThat(streamed.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(streamed.usage().orElseThrow().totalTokens()).isPositive();
  }
}
