package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.OpenAiChatReply;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The official OpenAI Java SDK's Responses API ({@code client.responses()}) through the gateway: to
 * OpenAI, which speaks it (its fake; the gateway passes the bytes on), and to providers that do
 * not: the offline {@code mock} and Anthropic (its fake); a function tool over two turns, whole and
 * streamed, as an agent loop runs it.
 */
class OpenAiResponsesSdkInteropTest {
  static final String WEATHER = "18C and sunny";

  /** The fakes, new ones for each test, so that no scripted answer outlives its test. */
  FakeAnthropic anthropic;

  FakeOpenAi openAi;

  static GatewayUnderTest gateway;

  static final FunctionTool GET_WEATHER =
      FunctionTool.builder()
          .name("get_weather")
          .description("The weather in a city")
          .parameters(
              FunctionTool.Parameters.builder()
                  .putAdditionalProperty("type", JsonValue.from("object"))
                  .putAdditionalProperty(
                      "properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                  .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                  .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                  .build())
          .strict(true)
          .build();

  /**
   * An upstream: the gateway's provider, the model named, what its model says first (scripted on
   * the fake; the mock calls the tools offered unscripted) and how it quotes tool results.
   */
  record Upstream(
      String provider,
      String model,
      Consumer<OpenAiResponsesSdkInteropTest> callsTheTool,
      UnaryOperator<String> toolReply) {
    @Override
    public String toString() {
      return provider;
    }
  }

  static Stream<Upstream> upstreams() {
    return Stream.of(
        new Upstream(
            "mock", "mock-chat", fake -> {}, results -> "Mock reply. Tool results: " + results),
        new Upstream(
            "anthropic",
            "claude-sonnet-4-5",
            test ->
                test.anthropic.enqueue(
                    AnthropicReply.builder()
                        .toolUse("toolu_weather", "get_weather", "{\"city\":\"Paris\"}")
                        .build()),
            results -> "Tool results: " + results),
        new Upstream(
            "openai",
            "gpt-4.1-mini",
            test ->
                test.openAi.enqueue(
                    OpenAiChatReply.builder()
                        .toolCall("get_weather", "{\"city\":\"Paris\"}")
                        .build()),
            results -> "Tool results received: " + results));
  }

  @BeforeAll
  static void startGateway() {
    gateway = GatewayUnderTest.withProviders(Map.of());
  }

  @AfterAll
  static void stopGateway() {
    gateway.close();
  }

  @BeforeEach
  void startFakes() {
    anthropic = FakeAnthropic.start();
    openAi = FakeOpenAi.start();
  }

  @AfterEach
  void stopFakes() {
    anthropic.close();
    openAi.close();
  }

  OpenAIClient client(Upstream upstream) {
    OpenAIOkHttpClient.Builder builder =
        OpenAIOkHttpClient.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("sk-through-the-responses-sdk")
            .putHeader("x-portkey-provider", upstream.provider())
            .maxRetries(0);
    switch (upstream.provider()) {
      case "anthropic" -> builder.putHeader("x-portkey-custom-host", anthropic.baseUrl());
      case "openai" -> builder.putHeader("x-portkey-custom-host", openAi.baseUrl());
      default -> {}
    }
    return builder.build();
  }

  static ResponseCreateParams.Builder turn(Upstream upstream, List<ResponseInputItem> input) {
    return ResponseCreateParams.builder()
        .model(upstream.model())
        .instructions("You are a weather bot. Use the tool.")
        .inputOfResponse(input)
        .addTool(GET_WEATHER)
        .store(false);
  }

  static List<ResponseInputItem> question(String text) {
    return List.of(
        ResponseInputItem.ofEasyInputMessage(
            EasyInputMessage.builder().role(EasyInputMessage.Role.USER).content(text).build()));
  }

  /** The first turn's input, the call, and the tool's output: the second turn's input. */
  static List<ResponseInputItem> withToolOutput(
      List<ResponseInputItem> input, ResponseFunctionToolCall call) {
    List<ResponseInputItem> next = new ArrayList<>(input);
    next.add(ResponseInputItem.ofFunctionCall(call));
    next.add(
        ResponseInputItem.ofFunctionCallOutput(
            ResponseInputItem.FunctionCallOutput.builder()
                .callId(call.callId())
                .output(WEATHER)
                .build()));
    return next;
  }

  static ResponseFunctionToolCall theOnlyCall(Response response) {
    List<ResponseFunctionToolCall> calls =
        response.output().stream()
            .filter(ResponseOutputItem::isFunctionCall)
            .map(ResponseOutputItem::asFunctionCall)
            .toList();
    assertThat(calls).as("function calls in %s", response.output()).hasSize(1);
    ResponseFunctionToolCall call = calls.getFirst();
    assertThat(call.name()).isEqualTo("get_weather");
    assertThat(call.callId()).isNotBlank();
    assertThat(WireJson.tree(call.arguments()).path("city").isTextual()).isTrue();
    return call;
  }

  static String text(Response response) {
    return response.output().stream()
        .filter(ResponseOutputItem::isMessage)
        .flatMap(item -> item.asMessage().content().stream())
        .map(content -> content.asOutputText().text())
        .reduce("", String::concat);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreams")
  void aFunctionCallItsOutputAndAnAnswerThatQuotesIt(Upstream upstream) {
    upstream.callsTheTool().accept(this);
    List<ResponseInputItem> input = question("Weather in Paris?");
    OpenAIClient openai = client(upstream);
    try {
      Response first = openai.responses().create(turn(upstream, input).build());

      assertThat(first.status()).hasValue(ResponseStatus.COMPLETED);
      ResponseFunctionToolCall call = theOnlyCall(first);

      Response second =
          openai.responses().create(turn(upstream, withToolOutput(input, call)).build());

      assertThat(second.status()).hasValue(ResponseStatus.COMPLETED);
      assertThat(text(second)).isEqualTo(upstream.toolReply().apply(WEATHER));
      assertThat(second.usage().orElseThrow().outputTokens()).isPositive();
    } finally {
      openai.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreams")
  void streamedTheSdkReassemblesTheCallAndTheAnswer(Upstream upstream) {
    upstream.callsTheTool().accept(this);
    List<ResponseInputItem> input = question("Weather in Rome?");
    OpenAIClient openai = client(upstream);
    try {
      Streamed first = streamed(openai, turn(upstream, input).build());

      ResponseFunctionToolCall call = theOnlyCall(first.response());
      String argumentDeltas =
          first.events().stream()
              .flatMap(e -> e.functionCallArgumentsDelta().stream())
              .map(delta -> delta.delta())
              .reduce("", String::concat);
      assertThat(argumentDeltas).isEqualTo(call.arguments());

      Streamed second = streamed(openai, turn(upstream, withToolOutput(input, call)).build());

      String textDeltas =
          second.events().stream()
              .flatMap(e -> e.outputTextDelta().stream())
              .map(delta -> delta.delta())
              .reduce("", String::concat);
      assertThat(textDeltas).isEqualTo(upstream.toolReply().apply(WEATHER));
      assertThat(text(second.response())).isEqualTo(textDeltas);
    } finally {
      openai.close();
    }
  }

  /** A streamed turn: its events, and the response the SDK's accumulator built from them. */
  record Streamed(List<ResponseStreamEvent> events, Response response) {}

  static Streamed streamed(OpenAIClient openai, ResponseCreateParams params) {
    ResponseAccumulator accumulator = ResponseAccumulator.create();
    List<ResponseStreamEvent> events;
    try (StreamResponse<ResponseStreamEvent> stream = openai.responses().createStreaming(params)) {
      events = stream.stream().map(accumulator::accumulate).toList();
    }
    assertThat(events.getFirst().isCreated()).as("the first event: %s", events.getFirst()).isTrue();
    assertThat(events.getLast().isCompleted()).as("the last event: %s", events.getLast()).isTrue();
    assertThat(events.stream().map(OpenAiResponsesSdkInteropTest::sequenceNumber).toList())
        .as("sequence numbers")
        .isSorted()
        .doesNotHaveDuplicates();
    Response response = accumulator.response();
    assertThat(response.status()).hasValue(ResponseStatus.COMPLETED);
    return new Streamed(events, response);
  }

  static long sequenceNumber(ResponseStreamEvent event) {
    return ObjectMappers.jsonMapper().valueToTree(event).path("sequence_number").asLong(-1);
  }
}
