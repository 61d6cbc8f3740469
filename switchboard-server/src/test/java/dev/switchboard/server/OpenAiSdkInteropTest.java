package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, pointed at the gateway's base URL: against the offline provider,
 * and against fakes of OpenAI and Anthropic as upstreams.
 */
class OpenAiSdkInteropTest {
  static FakeOpenAi fakeOpenAi;
  static FakeAnthropic fakeAnthropic;
  static GatewayUnderTest gateway;
  static OpenAIClient openai;

  @BeforeAll
  static void start() {
    fakeOpenAi = FakeOpenAi.start();
    fakeAnthropic = FakeAnthropic.start();
    gateway =
        GatewayUnderTest.withProviders(
            Map.of("openai", fakeOpenAi.baseUrl(), "anthropic", fakeAnthropic.baseUrl()));
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
    fakeOpenAi.close();
    fakeAnthropic.close();
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

  static FunctionDefinition function(String name, String parameter) {
    return FunctionDefinition.builder()
        .name(name)
        .parameters(
            FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty(
                    "properties", JsonValue.from(Map.of(parameter, Map.of("type", "string"))))
                .build())
        .build();
  }

  @Test
  void callsTwoToolsInParallelWholeAndStreamed() {
    var params =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Weather and time?")
            .addFunctionTool(function("get_weather", "city"))
            .addFunctionTool(function("get_time", "zone"))
            .build();
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    var whole = openai.chat().completions().create(params);
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    for (ChatCompletion completion : List.of(whole, accumulator.chatCompletion())) {
      var calls = completion.choices().getFirst().message().toolCalls().orElseThrow();
      assertThat(calls)
          .extracting(call -> call.asFunction().function().name())
          .containsExactly("get_weather", "get_time");
      assertThat(calls).extracting(call -> call.asFunction().id()).doesNotHaveDuplicates();
    }
  }

  @Test
  void streamsParallelToolCallsFromAnthropicAsOpenAiDeltas() {
    var params =
        ChatCompletionCreateParams.builder()
            .model("claude-sonnet-4-5")
            .maxCompletionTokens(256)
            .addUserMessage("Weather in Paris and Rome?")
            .addFunctionTool(function("get_weather", "city"))
            .putAdditionalHeader("x-portkey-provider", "anthropic")
            .build();
    fakeAnthropic.enqueue(
        AnthropicReply.builder()
            .toolUse("toolu_paris", "get_weather", "{\"city\":\"Paris\"}")
            .toolUse("toolu_rome", "get_weather", "{\"city\":\"Rome\"}")
            .build());
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }

    var message = accumulator.chatCompletion().choices().getFirst().message();
    var calls = message.toolCalls().orElseThrow();
    assertThat(calls)
        .extracting(call -> call.asFunction().id())
        .containsExactly("toolu_paris", "toolu_rome");
    assertThat(calls)
        .extracting(call -> call.asFunction().function().arguments())
        .containsExactly("{\"city\":\"Paris\"}", "{\"city\":\"Rome\"}");
  }

  /** What the SDK generates a JSON schema from, and reads the answer into. */
  public static class Forecast {
    public String city;
    public int highCelsius;
    public List<String> warnings;
  }

  @Test
  void readsAStructuredAnswerIntoAClassTheSdkGeneratedTheSchemaFrom() {
    var params =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Forecast for Paris")
            .responseFormat(Forecast.class)
            .build();

    StructuredChatCompletion<Forecast> completion = openai.chat().completions().create(params);

    Forecast forecast = completion.choices().getFirst().message().content().orElseThrow();
    assertThat(forecast.city).isEqualTo("mock");
    assertThat(forecast.highCelsius).isEqualTo(1);
    assertThat(forecast.warnings).containsExactly("mock");
  }

  @Test
  void seesARateLimitFromEitherProviderAsTheSdksRateLimitException() {
    fakeOpenAi.enqueue(new Fault.Status(429, Map.of()));
    fakeAnthropic.enqueue(new Fault.Status(429, Map.of()));

    assertThatThrownBy(() -> openai.chat().completions().create(ask("openai", "gpt-4o-mini")))
        .isInstanceOfSatisfying(
            RateLimitException.class, e -> assertThat(e.statusCode()).isEqualTo(429));
    assertThatThrownBy(
            () -> openai.chat().completions().create(ask("anthropic", "claude-sonnet-4-5")))
        .isInstanceOfSatisfying(
            RateLimitException.class, e -> assertThat(e.statusCode()).isEqualTo(429));
  }

  @Test
  void seesAProvidersBadRequestAsTheSdksBadRequestException() {
    fakeOpenAi.enqueue(new Fault.Status(400, Map.of()));

    assertThatThrownBy(() -> openai.chat().completions().create(ask("openai", "gpt-4o-mini")))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.type()).isPresent();
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void readsTheGatewaysFactsFromTheResponseHeaders() {
    var params =
        ask("openai", "gpt-4o-mini").toBuilder()
            .putAdditionalHeader("x-portkey-trace-id", "sdk-trace-1")
            .build();

    try (var response = openai.chat().completions().withRawResponse().create(params)) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().values("x-portkey-provider")).containsExactly("openai");
      assertThat(response.headers().values("x-portkey-trace-id")).containsExactly("sdk-trace-1");
      assertThat(response.headers().values("x-portkey-last-used-option-index"))
          .containsExactly("config");
      assertThat(response.headers().values("x-portkey-cache-status")).containsExactly("DISABLED");
      assertThat(response.headers().values("x-switchboard-cost-usd"))
          .singleElement()
          .satisfies(cost -> assertThat(new java.math.BigDecimal(cost)).isPositive());
      assertThat(response.parse().choices()).isNotEmpty();
    }
  }

  private static ChatCompletionCreateParams ask(String provider, String model) {
    return ChatCompletionCreateParams.builder()
        .model(model)
        .maxCompletionTokens(64)
        .addUserMessage("hello")
        .putAdditionalHeader("x-portkey-provider", provider)
        .build();
  }
}
