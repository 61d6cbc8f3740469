package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.BedrockFault;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.FakeBedrock;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK, pointed at the gateway, running against Bedrock (the fake). */
class BedrockSdkInteropTest {
  static FakeBedrock bedrock;
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
    bedrock = FakeBedrock.start();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder()
                .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                .build(),
            engine -> {});
    openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("unused-by-bedrock")
            .putHeader("x-portkey-provider", "bedrock")
            .putHeader("x-portkey-aws-access-key-id", FakeBedrock.DEFAULT_ACCESS_KEY_ID)
            .putHeader("x-portkey-aws-secret-access-key", FakeBedrock.DEFAULT_SECRET_ACCESS_KEY)
            .putHeader("x-portkey-aws-region", FakeBedrock.DEFAULT_REGION)
            .maxRetries(0)
            .build();
  }

  @AfterAll
  static void stop() {
    openai.close();
    gateway.close();
    bedrock.close();
  }

  @Test
  void runsAToolCallingLoop() {
    bedrock.enqueue(
        ConverseReply.toolUse(
            new ConverseReply.ToolUse("tooluse_sdk0001", "get_weather", "{\"city\":\"Paris\"}")));
    var first =
        ChatCompletionCreateParams.builder()
            .model("anthropic.claude-3-5-sonnet-20240620-v1:0")
            .addSystemMessage("You answer weather questions.")
            .addUserMessage("Weather in Paris?")
            .addFunctionTool(WEATHER)
            .build();

    ChatCompletion call = openai.chat().completions().create(first);

    assertThat(call.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    List<ChatCompletionMessageToolCall> toolCalls =
        call.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(toolCalls).hasSize(1);
    var function = toolCalls.getFirst().asFunction();
    assertThat(function.id()).isEqualTo("tooluse_sdk0001");
    assertThat(function.function().name()).isEqualTo("get_weather");
    assertThat(function.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");

    var second =
        first.toBuilder()
            .addMessage(call.choices().getFirst().message())
            .addMessage(
                ChatCompletionToolMessageParam.builder()
                    .toolCallId(function.id())
                    .content("18C and sunny")
                    .build())
            .build();
    ChatCompletion answer = openai.chat().completions().create(second);

    assertThat(answer.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(answer.choices().getFirst().message().content())
        .hasValue("Hello from the fake Bedrock. The tool said: 18C and sunny");
  }

  @Test
  void streamsParallelToolCallsTheSdkAccumulates() {
    bedrock.enqueue(
        ConverseReply.toolUse(
            new ConverseReply.ToolUse("tooluse_a", "get_weather", "{\"city\":\"Oslo\"}"),
            new ConverseReply.ToolUse("tooluse_b", "get_weather", "{\"city\":\"Lima\"}")));
    var params =
        ChatCompletionCreateParams.builder()
            .model("amazon.nova-pro-v1:0")
            .addUserMessage("Oslo and Lima?")
            .addFunctionTool(WEATHER)
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    var message = accumulator.chatCompletion().choices().getFirst();
    assertThat(message.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    var calls = message.message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).asFunction().id()).isEqualTo("tooluse_a");
    assertThat(calls.get(1).asFunction().function().arguments()).isEqualTo("{\"city\":\"Lima\"}");
  }

  @Test
  void aThrottledCallIsTheSdksRateLimitException() {
    bedrock.enqueue(BedrockFault.throttling());
    var params =
        ChatCompletionCreateParams.builder()
            .model("amazon.nova-pro-v1:0")
            .addUserMessage("hi")
            .build();

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> openai.chat().completions().create(params))
        .isInstanceOf(RateLimitException.class)
        .hasMessageContaining("Too many requests");
  }
}
