package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, pointed at the gateway's base URL, against the offline provider.
 */
class OpenAiSdkInteropTest {
  static GatewayUnderTest gateway;
  static OpenAIClient openai;

  @BeforeAll
  static void start() {
    gateway = GatewayUnderTest.start(null);
    openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("not-needed-for-mock")
            .putHeader("x-portkey-provider", "mock")
            .maxRetries(0)
            .build();
  }

  @AfterAll
  static void stop() {
    openai.close();
    gateway.close();
  }

  @Test
  void chatCompletes() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("mock-chat")
                    .addUserMessage("Hello SDK")
                    .build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().getFirst().message().content())
        .hasValueSatisfying(text -> assertThat(text).contains("Hello SDK"));
    assertThat(completion.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.usage())
        .hasValueSatisfying(usage -> assertThat(usage.totalTokens()).isPositive());
  }

  @Test
  void streamsAndTheAccumulatedStreamEqualsTheWholeReply() {
    var params =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Stream to me")
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
            .build();
    ChatCompletion whole = openai.chat().completions().create(params);
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    int chunks = 0;
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
        accumulator.accumulate(chunk);
        chunks++;
      }
    }

    ChatCompletion streamed = accumulator.chatCompletion();
    assertThat(chunks).isGreaterThan(3);
    assertThat(streamed.choices().getFirst().message().content())
        .isEqualTo(whole.choices().getFirst().message().content());
    assertThat(streamed.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(streamed.usage().orElseThrow().totalTokens())
        .isEqualTo(whole.usage().orElseThrow().totalTokens());
  }

  @Test
  void runsAToolCallingLoop() {
    var weather =
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
    var first =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Weather in Paris?")
            .addFunctionTool(weather)
            .build();

    ChatCompletion call = openai.chat().completions().create(first);

    assertThat(call.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    List<ChatCompletionMessageToolCall> toolCalls =
        call.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(toolCalls).hasSize(1);
    var function = toolCalls.getFirst().asFunction();
    assertThat(function.function().name()).isEqualTo("get_weather");
    assertThat(function.function().arguments()).contains("\"city\"");

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
        .hasValueSatisfying(text -> assertThat(text).contains("18C and sunny"));
  }

  @Test
  void streamsToolCallsTheSdkAccumulates() {
    var tool =
        FunctionDefinition.builder()
            .name("lookup")
            .parameters(
                FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty(
                        "properties", JsonValue.from(Map.of("q", Map.of("type", "string"))))
                    .build())
            .build();
    var params =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("find it")
            .addFunctionTool(tool)
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    var message = accumulator.chatCompletion().choices().getFirst().message();
    var call = message.toolCalls().orElseThrow().getFirst().asFunction();
    assertThat(call.function().name()).isEqualTo("lookup");
    assertThat(call.function().arguments()).isEqualTo("{\"q\":\"mock\"}");
    assertThat(call.id()).isNotBlank();
  }

  @Test
  void embeds() {
    var embeddings =
        openai
            .embeddings()
            .create(EmbeddingCreateParams.builder().model("mock-embedding").input("hello").build());

    assertThat(embeddings.data()).hasSize(1);
    assertThat(embeddings.data().getFirst().embedding()).hasSize(16);
  }

  @Test
  void seesAGatewayErrorAsAnOpenAiError() {
    OpenAIClient unknownProvider =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("k")
            .putHeader("x-portkey-provider", "nosuch")
            .maxRetries(0)
            .build();
    try {
      assertThatThrownBy(() ->
              unknownProvider
                  .chat()
                  .completions()
                  .create(
                      ChatCompletionCreateParams.builder().model("m").addUserMessage("hi").build()))
          .isInstanceOf(BadRequestException.class)
          .hasMessageContaining("Invalid provider passed");
    } finally {
      unknownProvider.close();
    }
  }
}
