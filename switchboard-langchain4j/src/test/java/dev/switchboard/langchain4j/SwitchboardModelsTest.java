package dev.switchboard.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.transport.GatewayCallException;
import dev.switchboard.transport.GatewayFacts;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The LangChain4j models as an app uses them, over both transports: against a real gateway server
 * on loopback, and in-process through an engine built from the same settings. The upstreams are the
 * test kit's fake OpenAI and the offline {@code mock} provider.
 */
class SwitchboardModelsTest {
  /** The first target fails (the fake answers 503), the offline mock answers. */
  static final String FALLBACK_CONFIG =
      """
      {"strategy":{"mode":"fallback"},
       "targets":[{"provider":"openai","api_key":"sk-fake"},{"provider":"mock"}]}\
      """;

  static FakeOpenAi openai;
  static SwitchboardServer server;
  static Gateway inProcess;

  enum Transport {
    REMOTE,
    IN_PROCESS
  }

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    // The circuit breaker stays out of the way: these tests make the fake fail on purpose.
    GatewaySettings settings =
        GatewaySettings.builder()
            .providerBaseUrl("openai", URI.create(openai.baseUrl()))
            .routing(
                new RoutingLimits(
                    10,
                    Duration.ofMinutes(1),
                    Duration.ofMillis(10),
                    Duration.ofSeconds(5),
                    1_000_000,
                    Duration.ofSeconds(30)))
            .build();
    server =
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                settings));
    inProcess = Gateway.builder().settings(settings).build();
  }

  @AfterAll
  static void stop() {
    server.close();
    inProcess.close();
    openai.close();
  }

  @BeforeEach
  void noFaultLeftOver() throws InterruptedException {
    while (openai.takeRequest(Duration.ZERO) != null) {
      // drop what earlier tests recorded
    }
  }

  static <B extends SwitchboardModelBuilder<B>> B at(B builder, Transport transport) {
    return switch (transport) {
      case REMOTE -> builder.baseUrl(server.baseUri().toString());
      case IN_PROCESS -> builder.gateway(inProcess);
    };
  }

  /** The agent's tools; records each call LangChain4j made. */
  static final class TravelTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool("The current weather in a city")
    String weather(@P("the city") String city) {
      calls.add("weather");
      return "sunny in " + city;
    }

    @Tool("The local time in a time zone")
    String time(@P("the time zone") String zone) {
      calls.add("time");
      return "noon in " + zone;
    }
  }

  interface StreamingAgent {
    @SystemMessage("You are a travel assistant. Use the tools.")
    TokenStream chat(String message);
  }

  interface Agent {
    @SystemMessage("You are a travel assistant. Use the tools.")
    String chat(String message);
  }

  /** Records what LangChain4j tells listeners, and that the attributes map is shared. */
  static final class RecordingListener implements ChatModelListener {
    final List<ChatResponse> responses = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final List<Object> attributesSeen = new CopyOnWriteArrayList<>();
    final List<String> systemPrompts = new CopyOnWriteArrayList<>();

    @Override
    public void onRequest(ChatModelRequestContext context) {
      context.attributes().put("started", "yes");
      context.chatRequest().messages().stream()
          .filter(m -> m instanceof dev.langchain4j.data.message.SystemMessage)
          .forEach(m -> systemPrompts.add(((dev.langchain4j.data.message.SystemMessage) m).text()));
    }

    @Override
    public void onResponse(ChatModelResponseContext context) {
      attributesSeen.add(context.attributes().get("started"));
      responses.add(context.chatResponse());
    }

    @Override
    public void onError(ChatModelErrorContext context) {
      attributesSeen.add(context.attributes().get("started"));
      errors.add(context.error());
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anAgentStreamsItsAnswerAfterTwoParallelToolCallsThroughAFallback(Transport transport)
      throws Exception {
    openai.enqueue(Fault.status(503));
    openai.enqueue(Fault.status(503));
    RecordingListener listener = new RecordingListener();
    var model =
        at(SwitchboardStreamingChatModel.builder(), transport)
            .config(FALLBACK_CONFIG)
            .modelName("gpt-4o-mini")
            .listeners(List.of(listener))
            .build();
    TravelTools tools = new TravelTools();
    StreamingAgent agent =
        AiServices.builder(StreamingAgent.class)
            .streamingChatModel(model)
            .tools(tools)
            .executeToolsConcurrently()
            .build();
    List<String> pieces = new CopyOnWriteArrayList<>();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();

    agent
        .chat("What is the weather in Paris, and the time there?")
        .onPartialResponse(pieces::add)
        .onCompleteResponse(done::complete)
        .onError(done::completeExceptionally)
        .start();
    ChatResponse last = done.get(30, TimeUnit.SECONDS);

    assertThat(tools.calls).containsExactlyInAnyOrder("weather", "time");
    // Both tools were asked for in one answer: a parallel call.
    assertThat(listener.responses.getFirst().aiMessage().toolExecutionRequests())
        .extracting(request -> request.name())
        .containsExactlyInAnyOrder("weather", "time");
    assertThat(pieces.size()).isGreaterThan(1);
    assertThat(String.join("", pieces)).isEqualTo(last.aiMessage().text()).contains("sunny in");
    GatewayFacts facts = SwitchboardChatResponseMetadata.of(last).orElseThrow();
    assertThat(facts.provider()).isEqualTo("mock");
    assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
    assertThat(facts.traceId()).isNotBlank();
    assertThat(openai.requestCount()).isGreaterThanOrEqualTo(2);
    assertThat(listener.attributesSeen).containsOnly("yes").hasSize(2);
    assertThat(listener.systemPrompts).allMatch(p -> p.startsWith("You are a travel assistant"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theBlockingAgentRunsTheSameLoopAndTellsTheGatewaysFacts(Transport transport) {
    openai.enqueue(Fault.status(503));
    openai.enqueue(Fault.status(503));
    RecordingListener listener = new RecordingListener();
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .config(FALLBACK_CONFIG)
            .modelName("gpt-4o-mini")
            .listeners(List.of(listener))
            .build();
    TravelTools tools = new TravelTools();
    Agent agent = AiServices.builder(Agent.class).chatModel(model).tools(tools).build();

    String answer = agent.chat("What is the weather in Rome, and the time there?");

    assertThat(tools.calls).containsExactlyInAnyOrder("weather", "time");
    assertThat(answer).contains("sunny in", "noon in");
    assertThat(listener.responses).hasSize(2);
    assertThat(listener.responses.getFirst().aiMessage().toolExecutionRequests()).hasSize(2);
    GatewayFacts facts =
        SwitchboardChatResponseMetadata.of(listener.responses.get(1)).orElseThrow();
    assertThat(facts.provider()).isEqualTo("mock");
    assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
    assertThat(facts.cacheStatus()).isEqualTo("DISABLED");
    assertThat(facts.requestId()).isNotBlank();
    assertThat(listener.systemPrompts).hasSize(2);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void perRequestParametersCarryTraceIdConfigAndProvider(Transport transport) {
    var model = at(SwitchboardChatModel.builder(), transport).provider("mock").build();

    ChatResponse response =
        model.chat(
            ChatRequest.builder()
                .messages(UserMessage.from("Hello, gateway"))
                .parameters(
                    SwitchboardChatRequestParameters.builder()
                        .modelName("gpt-4o-mini")
                        .provider("openai")
                        .config("{\"provider\":\"openai\",\"api_key\":\"sk-fake\"}")
                        .traceId("trace-agents-1")
                        .metadata(Map.of("_user", "ada"))
                        .build())
                .build());

    GatewayFacts facts = SwitchboardChatResponseMetadata.of(response).orElseThrow();
    assertThat(facts.provider()).isEqualTo("openai");
    assertThat(facts.traceId()).isEqualTo("trace-agents-1");
    assertThat(facts.retryAttemptCount()).isZero();
    assertThat(response.aiMessage().text()).contains("Hello, gateway");
    assertThat(response.tokenUsage().totalTokenCount()).isPositive();
    assertThat(response.modelName()).isEqualTo("gpt-4o-mini");
    // gpt-4o-mini has a price: the gateway tells what the answer cost.
    assertThat(facts.costUsd()).isPositive();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aStreamTellsEachToolCallInPiecesThenWhole(Transport transport) throws Exception {
    var model =
        at(SwitchboardStreamingChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .build();
    List<PartialToolCall> partial = new CopyOnWriteArrayList<>();
    List<CompleteToolCall> complete = new CopyOnWriteArrayList<>();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    ChatRequest request =
        ChatRequest.builder()
            .messages(UserMessage.from("Weather and time in Oslo?"))
            .toolSpecifications(specification("weather", "city"), specification("time", "zone"))
            .build();

    model.chat(
        request,
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialToolCall(PartialToolCall call) {
            partial.add(call);
          }

          @Override
          public void onCompleteToolCall(CompleteToolCall call) {
            complete.add(call);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(30, TimeUnit.SECONDS);

    assertThat(complete).extracting(CompleteToolCall::index).containsExactly(0, 1);
    assertThat(complete)
        .extracting(call -> call.toolExecutionRequest().name())
        .containsExactly("weather", "time");
    for (CompleteToolCall call : complete) {
      String pieces =
          partial.stream()
              .filter(p -> p.index() == call.index())
              .map(PartialToolCall::partialArguments)
              .reduce("", String::concat);
      assertThat(pieces).isEqualTo(call.toolExecutionRequest().arguments());
      assertThat(WireJson.tree(pieces).isObject()).isTrue();
    }
    assertThat(response.aiMessage().toolExecutionRequests()).hasSize(2);
    assertThat(response.finishReason())
        .isEqualTo(dev.langchain4j.model.output.FinishReason.TOOL_EXECUTION);
    GatewayFacts facts = SwitchboardChatResponseMetadata.of(response).orElseThrow();
    assertThat(facts.provider()).isEqualTo("openai");
    assertThat(facts.costUsd()).as("the cost from the stream's usage chunk").isPositive();
  }

  private static ToolSpecification specification(String name, String parameter) {
    return ToolSpecification.builder()
        .name(name)
        .description("The " + name)
        .parameters(
            JsonObjectSchema.builder().addStringProperty(parameter).required(parameter).build())
        .build();
  }

  record Itinerary(String city, int days, List<String> sights) {}

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aJsonSchemaResponseFormatReachesTheProviderAsOpenAisJsonSchema(Transport transport)
      throws InterruptedException {
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .build();
    ResponseFormat format =
        ResponseFormat.builder()
            .type(ResponseFormatType.JSON)
            .jsonSchema(
                JsonSchema.builder()
                    .name("Itinerary")
                    .rootElement(JsonSchemaElementUtils.jsonSchemaElementFrom(Itinerary.class))
                    .build())
            .build();

    model.chat(
        ChatRequest.builder()
            .messages(UserMessage.from("Plan three days in Lisbon"))
            .responseFormat(format)
            .build());

    JsonNode sent = WireJson.tree(openai.takeRequest(Duration.ofSeconds(5)).body());
    JsonNode schema = sent.path("response_format");
    assertThat(schema.path("type").asText()).as(sent.toString()).isEqualTo("json_schema");
    assertThat(schema.path("json_schema").path("name").asText()).isEqualTo("Itinerary");
    assertThat(schema.path("json_schema").path("strict").asBoolean()).isTrue();
    JsonNode strictSchema = schema.path("json_schema").path("schema");
    // OpenAI's strict mode: every property required, none other allowed.
    assertThat(strictSchema.path("required"))
        .extracting(JsonNode::asText)
        .containsExactly("city", "days", "sights");
    assertThat(strictSchema.path("additionalProperties").asBoolean(true)).isFalse();
    JsonNode properties = strictSchema.path("properties");
    assertThat(properties.path("city").path("type").toString()).contains("\"string\"");
    assertThat(properties.path("days").path("type").toString()).contains("\"integer\"");
    assertThat(properties.path("sights").path("items").path("type").asText()).isEqualTo("string");
  }

  interface Planner {
    Itinerary plan(String request);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void anAiServiceReturnsARecordFilledFromTheJsonSchemaItSentThroughAFallback(Transport transport)
      throws InterruptedException {
    openai.enqueue(Fault.status(503));
    RecordingListener listener = new RecordingListener();
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .config(FALLBACK_CONFIG)
            .modelName("gpt-4o-mini")
            .listeners(List.of(listener))
            .build();
    Planner planner = AiServices.create(Planner.class, model);

    Itinerary itinerary = planner.plan("Plan three days in Lisbon");

    // The mock answers a json_schema request with the schema's samples: strings "mock", numbers 1,
    // lists of one item. A whole record proves the schema went out and LangChain4j read the answer.
    assertThat(itinerary).isEqualTo(new Itinerary("mock", 1, List.of("mock")));
    JsonNode sentToFirstTarget = WireJson.tree(openai.takeRequest(Duration.ofSeconds(5)).body());
    assertThat(sentToFirstTarget.path("response_format").path("type").asText())
        .isEqualTo("json_schema");
    GatewayFacts facts =
        SwitchboardChatResponseMetadata.of(listener.responses.getFirst()).orElseThrow();
    assertThat(facts.provider()).isEqualTo("mock");
    assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
  }

  static Stream<Arguments> errors() {
    List<Arguments> all = new ArrayList<>();
    for (Transport transport : Transport.values()) {
      all.add(Arguments.of(transport, 429, RateLimitException.class));
      all.add(Arguments.of(transport, 400, ContextLengthExceededException.class));
      all.add(Arguments.of(transport, 401, AuthenticationException.class));
      all.add(Arguments.of(transport, 503, InternalServerException.class));
      all.add(Arguments.of(transport, 422, InvalidRequestException.class));
    }
    return all.stream();
  }

  @ParameterizedTest
  @MethodSource("errors")
  void aProvidersErrorIsLangChain4jsException(
      Transport transport, int status, Class<? extends LangChain4jException> expected) {
    openai.enqueue(Fault.status(status));
    RecordingListener listener = new RecordingListener();
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .listeners(List.of(listener))
            .build();

    assertThatThrownBy(() -> model.chat("Hello"))
        .isInstanceOf(expected)
        .hasMessageContaining("openai error")
        .cause()
        .isInstanceOfSatisfying(
            GatewayCallException.class,
            call -> {
              assertThat(call.status()).isEqualTo(status);
              assertThat(call.getMessage()).doesNotContain("sk-fake");
              assertThat(call.facts().provider()).isEqualTo("openai");
              assertThat(call.facts().traceId()).isNotBlank();
            });
    assertThat(listener.errors).singleElement().isInstanceOf(expected);
    assertThat(listener.attributesSeen).containsExactly("yes");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void theGatewaysOwnTimeoutIsATimeoutException(Transport transport) {
    openai.enqueue(Fault.slowFirstByte(Duration.ofSeconds(2)));
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .requestTimeout(Duration.ofMillis(200))
            .build();

    assertThatThrownBy(() -> model.chat("Hello")).isInstanceOf(TimeoutException.class);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aStreamsErrorReachesOnErrorAsLangChain4jsException(Transport transport) throws Exception {
    openai.enqueue(Fault.status(429));
    var model =
        at(SwitchboardStreamingChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .build();
    CompletableFuture<Throwable> failed = new CompletableFuture<>();

    model.chat(
        "Hello",
        new StreamingChatResponseHandler() {
          @Override
          public void onCompleteResponse(ChatResponse response) {
            failed.complete(null);
          }

          @Override
          public void onError(Throwable error) {
            failed.complete(error);
          }
        });

    assertThat(failed.get(30, TimeUnit.SECONDS)).isInstanceOf(RateLimitException.class);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void langChain4jsRetryTriesARateLimitedRequestAgain(Transport transport) {
    openai.enqueue(Fault.status(429));
    var model =
        at(SwitchboardChatModel.builder(), transport)
            .provider("openai")
            .apiKey("sk-fake")
            .modelName("gpt-4o-mini")
            .maxRetries(1)
            .build();
    int before = openai.requestCount();

    assertThat(model.chat("Hello")).contains("Hello");
    assertThat(openai.requestCount() - before).isEqualTo(2);
  }
}
