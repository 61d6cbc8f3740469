package dev.switchboard.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.transport.GatewayCallException;
import dev.switchboard.transport.GatewayFacts;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.retry.NonTransientAiException;
import org.springframework.ai.retry.TransientAiException;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * The Spring AI model as an app uses it through Spring AI's {@code ChatClient}, over both
 * transports: a real gateway server on loopback, and the engine in-process with the same settings.
 */
class SwitchboardSpringChatModelTest {
  static final String FALLBACK_CONFIG =
      "{\"strategy\":{\"mode\":\"fallback\"},"
          + "\"targets\":[{\"provider\":\"openai\",\"api_key\":\"sk-fake\"},{\"provider\":\"mock\"}]}";

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

  static SwitchboardSpringChatModel.Builder model(Transport transport) {
    SwitchboardSpringChatModel.Builder builder = SwitchboardSpringChatModel.builder();
    return switch (transport) {
      case REMOTE -> builder.baseUrl(server.baseUri().toString());
      case IN_PROCESS -> builder.gateway(inProcess);
    };
  }

  static final class TravelTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool(description = "The current weather in a city")
    String weather(@ToolParam(description = "the city") String city) {
      calls.add("weather");
      return "sunny in " + city;
    }

    @Tool(description = "The local time in a time zone")
    String time(@ToolParam(description = "the time zone") String zone) {
      calls.add("time");
      return "noon in " + zone;
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aChatClientRunsTwoToolsThroughAFallbackAndSeesTheGatewaysFacts(Transport transport) {
    openai.enqueue(Fault.status(503));
    openai.enqueue(Fault.status(503));
    ChatClient client =
        ChatClient.create(
            model(transport)
                .config(FALLBACK_CONFIG)
                .defaultOptions(SwitchboardChatOptions.builder().model("gpt-4o-mini").build())
                .build());
    TravelTools tools = new TravelTools();

    ChatResponse response =
        client
            .prompt()
            .system("You are a travel assistant. Use the tools.")
            .user("What is the weather in Paris, and the time there?")
            .tools(tools)
            .call()
            .chatResponse();

    assertThat(tools.calls).containsExactlyInAnyOrder("weather", "time");
    assertThat(response.getResult().getOutput().getText()).contains("sunny in", "noon in");
    GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(response).orElseThrow();
    assertThat(facts.provider()).isEqualTo("mock");
    assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
    assertThat(response.getMetadata().getUsage().getTotalTokens()).isPositive();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aChatClientStreamsTheAnswerAfterTheTools(Transport transport) {
    ChatClient client =
        ChatClient.create(
            model(transport)
                .provider("mock")
                .defaultOptions(SwitchboardChatOptions.builder().model("mock-chat").build())
                .build());
    TravelTools tools = new TravelTools();

    List<ChatResponse> responses =
        client
            .prompt()
            .user("What is the weather in Rome, and the time there?")
            .tools(tools)
            .stream()
            .chatResponse()
            .collectList()
            .block(Duration.ofSeconds(30));

    assertThat(tools.calls).containsExactlyInAnyOrder("weather", "time");
    String text =
        responses.stream()
            .map(r -> r.getResult() == null ? "" : r.getResult().getOutput().getText())
            .filter(t -> t != null)
            .reduce("", String::concat);
    assertThat(text).contains("sunny in", "noon in");
    assertThat(responses.size()).isGreaterThan(2);
    GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(responses.getLast()).orElseThrow();
    assertThat(facts.provider()).isEqualTo("mock");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void optionsCarryTheModelTraceIdAndMetadata(Transport transport) throws InterruptedException {
    while (openai.takeRequest(Duration.ZERO) != null) {
      // drop what earlier tests recorded
    }
    ChatClient client =
        ChatClient.create(model(transport).provider("openai").apiKey("sk-fake").build());

    ChatResponse response =
        client
            .prompt()
            .user("Hello, gateway")
            .options(
                SwitchboardChatOptions.builder()
                    .model("gpt-4o-mini")
                    .temperature(0.2)
                    .maxTokens(64)
                    .traceId("trace-spring-1")
                    .metadata(Map.of("_user", "ada")))
            .call()
            .chatResponse();

    assertThat(response.getResult().getOutput().getText()).contains("Hello, gateway");
    GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(response).orElseThrow();
    assertThat(facts.traceId()).isEqualTo("trace-spring-1");
    assertThat(facts.provider()).isEqualTo("openai");
    assertThat(facts.costUsd()).isPositive();
    assertThat(response.getMetadata().getModel()).isEqualTo("gpt-4o-mini");
    var sent = dev.switchboard.wire.WireJson.tree(openai.takeRequest(Duration.ofSeconds(5)).body());
    assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void errorsAreSpringAisTransientOrNot(Transport transport) {
    ChatClient client =
        ChatClient.create(
            model(transport)
                .provider("openai")
                .apiKey("sk-fake")
                .defaultOptions(SwitchboardChatOptions.builder().model("gpt-4o-mini").build())
                .build());

    openai.enqueue(Fault.status(429));
    assertThatThrownBy(() -> client.prompt().user("Hello").call().content())
        .isInstanceOf(TransientAiException.class)
        .cause()
        .isInstanceOfSatisfying(
            GatewayCallException.class, e -> assertThat(e.status()).isEqualTo(429));

    openai.enqueue(Fault.status(400));
    assertThatThrownBy(() -> client.prompt().user("Hello").call().content())
        .isInstanceOf(NonTransientAiException.class)
        .cause()
        .isInstanceOfSatisfying(
            GatewayCallException.class, e -> assertThat(e.contextLengthExceeded()).isTrue());

    openai.enqueue(Fault.status(503));
    assertThatThrownBy(() -> client.prompt().user("Hello").stream().content().collectList().block())
        .isInstanceOf(TransientAiException.class);
  }
}
