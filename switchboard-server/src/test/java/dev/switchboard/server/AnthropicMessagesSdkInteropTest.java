package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.ObjectMappers;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
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
 * Anthropic's official Java SDK ({@code com.anthropic:anthropic-java}) on the gateway's Messages
 * API: tool use over two turns, streamed and whole (Claude Code falls back to a whole answer when a
 * stream breaks), to providers that do not speak the Messages API, the offline {@code mock} and
 * OpenAI (its fake, chat completions), and to Anthropic itself (its fake).
 */
class AnthropicMessagesSdkInteropTest {
  static final String WEATHER = "18C and sunny";

  /** Anthropic's fake, a new one for each test, so that no scripted answer outlives its test. */
  FakeAnthropic anthropic;

  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  static final Tool GET_WEATHER =
      Tool.builder()
          .name("get_weather")
          .description("The weather in a city")
          .inputSchema(
              Tool.InputSchema.builder()
                  .properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                  .required(List.of("city"))
                  .build())
          .build();

  /**
   * An upstream: the gateway's provider, the model named, what its model says first (scripted on
   * Anthropic's fake; the mock and OpenAI's fake call the tools offered unscripted) and how it
   * quotes tool results.
   */
  record Upstream(
      String provider,
      String model,
      Consumer<FakeAnthropic> callsTheTool,
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
            "openai", "gpt-4o-mini", fake -> {}, results -> "Tool results received: " + results),
        new Upstream(
            "anthropic",
            "claude-sonnet-4-5",
            fake ->
                fake.enqueue(
                    AnthropicReply.builder()
                        .toolUse("toolu_weather", "get_weather", "{\"city\":\"Paris\"}")
                        .build()),
            results -> "Tool results: " + results));
  }

  @BeforeAll
  static void startGateway() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.withProviders(Map.of("openai", openai.baseUrl()));
  }

  @AfterAll
  static void stopGateway() {
    gateway.close();
    openai.close();
  }

  @BeforeEach
  void startAnthropic() {
    anthropic = FakeAnthropic.start();
  }

  @AfterEach
  void stopAnthropic() {
    anthropic.close();
  }

  /**
   * A client as Claude Code makes one: Anthropic's key in {@code x-api-key} for Anthropic, a bearer
   * token for the other providers, the provider in Portkey's header.
   */
  AnthropicClient client(Upstream upstream) {
    AnthropicOkHttpClient.Builder builder =
        AnthropicOkHttpClient.builder()
            .baseUrl(gateway.uri("/").toString())
            .putHeader("x-portkey-provider", upstream.provider())
            .maxRetries(0);
    if (upstream.provider().equals("anthropic")) {
      return builder
          .putHeader("x-portkey-custom-host", anthropic.baseUrl())
          .apiKey("sk-ant-through-the-sdk")
          .build();
    }
    return builder.authToken("sk-through-the-sdk").build();
  }

  static MessageCreateParams.Builder question(Upstream upstream) {
    return MessageCreateParams.builder()
        .model(upstream.model())
        .maxTokens(1024)
        .system("You are a weather bot. Use the tool.")
        .addTool(GET_WEATHER)
        .addUserMessage("Weather in Paris?");
  }

  /** The question, the assistant's call, and the tool's result: the second turn. */
  static MessageCreateParams withToolResult(Upstream upstream, Message call, ToolUseBlock use) {
    return question(upstream)
        .addMessage(call.toParam())
        .addUserMessageOfContentBlockParams(
            List.of(
                ContentBlockParam.ofToolResult(
                    ToolResultBlockParam.builder().toolUseId(use.id()).content(WEATHER).build())))
        .build();
  }

  static ToolUseBlock theOnlyToolUse(Message message) {
    assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
    List<ToolUseBlock> uses =
        message.content().stream()
            .filter(ContentBlock::isToolUse)
            .map(ContentBlock::asToolUse)
            .toList();
    assertThat(uses).as("tool uses in %s", message.content()).hasSize(1);
    ToolUseBlock use = uses.getFirst();
    assertThat(use.name()).isEqualTo("get_weather");
    assertThat(use.id()).isNotBlank();
    assertThat(json(use._input()).path("city").isTextual()).isTrue();
    return use;
  }

  static String text(Message message) {
    assertThat(message.content()).allMatch(ContentBlock::isText);
    return message.content().stream()
        .map(block -> block.asText().text())
        .reduce("", String::concat);
  }

  static JsonNode json(Object value) {
    return ObjectMappers.jsonMapper().valueToTree(value);
  }

  static JsonNode parse(String json) {
    try {
      return ObjectMappers.jsonMapper().readTree(json);
    } catch (JsonProcessingException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreams")
  void streamedToolUseTheSdkReassemblesTheCallAndTheAnswer(Upstream upstream) {
    upstream.callsTheTool().accept(anthropic);
    AnthropicClient claude = client(upstream);
    try {
      Streamed first = streamed(claude, question(upstream).build());

      ToolUseBlock use = theOnlyToolUse(first.message());
      String inputDeltas =
          first.events().stream()
              .flatMap(e -> e.contentBlockDelta().stream())
              .flatMap(delta -> delta.delta().inputJson().stream())
              .map(delta -> delta.partialJson())
              .reduce("", String::concat);
      assertThat(parse(inputDeltas)).isEqualTo(json(use._input()));

      Streamed second = streamed(claude, withToolResult(upstream, first.message(), use));

      assertThat(second.message().stopReason()).hasValue(StopReason.END_TURN);
      String textDeltas =
          second.events().stream()
              .flatMap(e -> e.contentBlockDelta().stream())
              .flatMap(delta -> delta.delta().text().stream())
              .map(delta -> delta.text())
              .reduce("", String::concat);
      assertThat(textDeltas).isEqualTo(upstream.toolReply().apply(WEATHER));
      assertThat(text(second.message())).isEqualTo(textDeltas);
      assertThat(second.message().usage().outputTokens()).isPositive();
    } finally {
      claude.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("upstreams")
  void wholeToolUseACallItsResultAndAnAnswerThatQuotesIt(Upstream upstream) {
    upstream.callsTheTool().accept(anthropic);
    AnthropicClient claude = client(upstream);
    try {
      Message first = claude.messages().create(question(upstream).build());

      ToolUseBlock use = theOnlyToolUse(first);

      Message second = claude.messages().create(withToolResult(upstream, first, use));

      assertThat(second.stopReason()).hasValue(StopReason.END_TURN);
      assertThat(text(second)).isEqualTo(upstream.toolReply().apply(WEATHER));
    } finally {
      claude.close();
    }
  }

  /** A streamed turn: its events, and the message the SDK's accumulator built from them. */
  record Streamed(List<RawMessageStreamEvent> events, Message message) {}

  static Streamed streamed(AnthropicClient claude, MessageCreateParams params) {
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<RawMessageStreamEvent> events;
    try (StreamResponse<RawMessageStreamEvent> stream = claude.messages().createStreaming(params)) {
      events = stream.stream().map(accumulator::accumulate).toList();
    }
    assertThat(events.getFirst().isMessageStart()).as("first: %s", events.getFirst()).isTrue();
    assertThat(events.getLast().isMessageStop()).as("last: %s", events.getLast()).isTrue();
    assertThat(events.stream().filter(RawMessageStreamEvent::isContentBlockStop).count())
        .as("every content block is closed")
        .isEqualTo(events.stream().filter(RawMessageStreamEvent::isContentBlockStart).count());
    return new Streamed(events, accumulator.message());
  }
}
