package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.switchboard.client.config.PortkeyConfig;
import dev.switchboard.client.config.Query;
import dev.switchboard.testkit.Fault;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client against a running gateway, as an app uses it. */
class SwitchboardClientTest {
  static GatewayForClients gateway;
  static SwitchboardClient client;

  @BeforeAll
  static void start() {
    gateway = new GatewayForClients();
    client = gateway.client("mock");
  }

  @AfterAll
  static void stop() {
    client.close();
    gateway.close();
  }

  static ChatCompletionCreateParams ask(String model, String text) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(text).build();
  }

  @Test
  void chatsAndReadsTheGatewaysFactsFromEveryAnswer() {
    GatewayReply<ChatCompletion> reply =
        client.chat(ask("mock-chat", "Hello client"), CallOptions.none().traceId("trace-chat-1"));

    assertThat(reply.body().choices().getFirst().message().content())
        .hasValueSatisfying(text -> assertThat(text).contains("Hello client"));
    GatewayFacts facts = reply.facts();
    assertThat(facts.provider()).hasValue("mock");
    assertThat(facts.traceId()).hasValue("trace-chat-1");
    assertThat(facts.lastUsedOptionIndex()).hasValue("config");
    assertThat(facts.retryAttemptCount()).hasValue(0);
    assertThat(facts.cacheStatus()).hasValue("DISABLED");
    assertThat(facts.requestId()).hasValueSatisfying(id -> assertThat(id).isNotBlank());
    assertThat(facts.cacheHit()).isFalse();
  }

  @Test
  void readsTheCostOfAPricedAnswer() {
    GatewayReply<ChatCompletion> reply =
        client.chat(
            ask("gpt-4o-mini", "What does this cost?"), CallOptions.none().provider("openai"));

    assertThat(reply.facts().provider()).hasValue("openai");
    assertThat(reply.facts().costUsd()).hasValueSatisfying(cost -> assertThat(cost).isPositive());
  }

  @Test
  void streamsWithTheFactsAtTheStartAndTheCostAtTheEnd() {
    String streamed;
    try (GatewayChatStream stream =
        client.chatStream(
            ask("gpt-4o-mini", "Stream me a priced answer"),
            CallOptions.none().provider("openai").traceId("trace-stream-1"))) {
      assertThat(stream.facts().provider()).hasValue("openai");
      assertThat(stream.facts().traceId()).hasValue("trace-stream-1");
      assertThat(stream.costUsd()).isEmpty();

      streamed =
          stream.stream()
              .flatMap(chunk -> chunk.choices().stream())
              .map(choice -> choice.delta().content().orElse(""))
              .collect(Collectors.joining());

      assertThat(stream.costUsd()).hasValueSatisfying(cost -> assertThat(cost).isPositive());
    }
    assertThat(streamed).isNotBlank();
  }

  @Test
  void embeds() {
    var reply =
        client.embeddings(
            EmbeddingCreateParams.builder().model("mock-embedding").input("hello").build());

    assertThat(reply.body().data().getFirst().embedding()).hasSize(16);
    assertThat(reply.facts().provider()).hasValue("mock");
  }

  static final FunctionDefinition WEATHER = tool("get_weather", "city");
  static final FunctionDefinition TIME = tool("get_time", "zone");

  static FunctionDefinition tool(String name, String parameter) {
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
  void runsAToolLoopWithParallelCallsScriptedInTheConfig() {
    PortkeyConfig scripted =
        PortkeyConfig.target("mock")
            .overrideParam(
                "mock_script",
                List.of(
                    Map.of(
                        "tool_calls",
                        List.of(
                            Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")),
                            Map.of("name", "get_time", "arguments", Map.of("zone", "CET")))),
                    Map.of("content", "Sunny in Paris at 14:00.")))
            .build();
    CallOptions options = CallOptions.none().config(scripted);
    var first =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Weather and time in Paris?")
            .addFunctionTool(WEATHER)
            .addFunctionTool(TIME)
            .build();

    ChatCompletion calls = client.chat(first, options).body();

    List<ChatCompletionMessageToolCall> toolCalls =
        calls.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(toolCalls)
        .extracting(call -> call.asFunction().function().name())
        .containsExactly("get_weather", "get_time");
    assertThat(toolCalls.getFirst().asFunction().function().arguments())
        .isEqualTo("{\"city\":\"Paris\"}");

    var second = first.toBuilder().addMessage(calls.choices().getFirst().message());
    for (ChatCompletionMessageToolCall call : toolCalls) {
      second.addMessage(
          ChatCompletionToolMessageParam.builder()
              .toolCallId(call.asFunction().id())
              .content("result of " + call.asFunction().function().name())
              .build());
    }
    ChatCompletion answer = client.chat(second.build(), options).body();

    assertThat(answer.choices().getFirst().message().content())
        .hasValue("Sunny in Paris at 14:00.");
  }

  /** The record the model's answer is read into. */
  record City(String name, int population, List<String> landmarks) {}

  @Test
  void readsAStructuredAnswerIntoARecord() {
    var params =
        ChatCompletionCreateParams.builder()
            .model("mock-chat")
            .addUserMessage("Describe Paris")
            .responseFormat(City.class)
            .build();

    var reply = client.chat(params);

    City city = reply.body().choices().getFirst().message().content().orElseThrow();
    assertThat(city).isEqualTo(new City("mock", 1, List.of("mock")));
    assertThat(reply.facts().provider()).hasValue("mock");
  }

  @Test
  void routesByMetadataPerCallOverTheClientsDefaults() {
    PortkeyConfig byPlan =
        PortkeyConfig.conditional(
                PortkeyConfig.target("mock")
                    .name("paid")
                    .overrideParam("model", "paid-model")
                    .build(),
                PortkeyConfig.target("mock")
                    .name("free")
                    .overrideParam("model", "free-model")
                    .build())
            .when(Query.eq("metadata.plan", "paid"), "paid")
            .defaultTarget("free")
            .build();
    try (SwitchboardClient withDefaults =
        SwitchboardClient.builder()
            .baseUrl(gateway.server.baseUri().toString())
            .config(byPlan)
            .metadata(Map.of("plan", "free", "team", "search"))
            .build()) {
      var free = withDefaults.chat(ask("m", "hi"));
      var paid =
          withDefaults.chat(ask("m", "hi"), CallOptions.none().metadata(Map.of("plan", "paid")));

      assertThat(free.body().model()).isEqualTo("free-model");
      assertThat(free.facts().lastUsedOptionIndex()).hasValue("config.targets[1]");
      assertThat(paid.body().model()).isEqualTo("paid-model");
      assertThat(paid.facts().lastUsedOptionIndex()).hasValue("config.targets[0]");
    }
  }

  @Test
  void seesARateLimitAsTheSdksRateLimitException() {
    gateway.openAi.enqueue(new Fault.Status(429, Map.of()));

    assertThatThrownBy(
            () -> client.chat(ask("gpt-4o-mini", "hi"), CallOptions.none().provider("openai")))
        .isInstanceOfSatisfying(
            RateLimitException.class,
            e -> assertThat(e.headers().values("x-portkey-provider")).containsExactly("openai"));
  }

  @Test
  void seesAnInvalidConfigAsABadRequestNamingTheField() {
    assertThatThrownBy(() ->
            client.chat(ask("m", "hi"), CallOptions.none().config("{\"provider\":\"nosuch\"}")))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("config.provider");
  }

  @Test
  void costIsZeroForAnAnswerFromTheCache() {
    PortkeyConfig cached =
        PortkeyConfig.target("openai").cache(dev.switchboard.client.config.Cache.simple()).build();
    CallOptions options = CallOptions.none().config(cached);
    var params = ask("gpt-4o-mini", "cache me " + System.nanoTime());

    var first = client.chat(params, options);
    var second = client.chat(params, options);

    assertThat(first.facts().cacheStatus()).hasValue("MISS");
    assertThat(second.facts().cacheStatus()).hasValue("HIT");
    assertThat(second.facts().cacheHit()).isTrue();
    assertThat(second.facts().costUsd()).hasValue(BigDecimal.ZERO);
    assertThat(second.facts().savedCostUsd()).hasValueSatisfying(c -> assertThat(c).isPositive());
  }

  @Test
  void usesAConfigSavedInTheGatewayById() {
    var reply =
        client.chat(ask("m", "hi"), CallOptions.none().config(GatewayForClients.SAVED_CONFIG_ID));

    assertThat(reply.body().model()).isEqualTo("saved-model");
    assertThat(reply.facts().provider()).hasValue("mock");
  }
}
