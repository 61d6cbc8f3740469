package dev.switchboard.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * Spring AI's own OpenAI module (on the official OpenAI Java SDK), pointed at a running gateway by
 * its base URL and custom headers: chat, stream, a tool-calling loop, and errors. Upstreams: the
 * offline mock and the test kit's fake OpenAI.
 */
class SpringAiOpenAiInteropTest {
  static FakeOpenAi openai;
  static SwitchboardServer server;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    server =
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder()
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .build()));
  }

  @AfterAll
  static void stop() {
    server.close();
    openai.close();
  }

  static ChatClient client(String provider) {
    return ChatClient.create(
        OpenAiChatModel.builder()
            .options(
                OpenAiChatOptions.builder()
                    .baseUrl(server.baseUri() + "/v1")
                    .apiKey("sk-spring-ai")
                    .model("gpt-4o-mini")
                    .maxRetries(0)
                    .customHeaders(Map.of("x-portkey-provider", provider))
                    .build())
            .build());
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
  @ValueSource(strings = {"mock", "openai"})
  void chatAndStream(String provider) {
    ChatClient client = client(provider);

    String whole = client.prompt().user("Hello, gateway").call().content();
    List<String> pieces =
        client.prompt().user("Hello, stream").stream().content().collectList().block();

    assertThat(whole).contains("Hello, gateway");
    assertThat(pieces).hasSizeGreaterThan(1);
    assertThat(String.join("", pieces)).contains("Hello, stream");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mock", "openai"})
  void aToolCallingLoopCompletesBlockingAndStreaming(String provider) {
    ChatClient client = client(provider);
    TravelTools blocking = new TravelTools();
    TravelTools streaming = new TravelTools();

    String answer =
        client.prompt().user("Weather and time in Paris?").tools(blocking).call().content();
    List<String> streamed =
        client.prompt().user("Weather and time in Rome?").tools(streaming).stream()
            .content()
            .collectList()
            .block();

    assertThat(blocking.calls).containsExactlyInAnyOrder("weather", "time");
    assertThat(answer).isNotBlank();
    assertThat(streaming.calls).containsExactlyInAnyOrder("weather", "time");
    assertThat(String.join("", streamed)).isNotBlank();
  }

  @Test
  void errorsKeepTheirStatusAndOpenAisClass() {
    ChatClient client = client("openai");

    openai.enqueue(Fault.status(429));
    assertThatThrownBy(() -> client.prompt().user("Hello").call().content())
        .isInstanceOfSatisfying(
            com.openai.errors.RateLimitException.class,
            e -> assertThat(e.statusCode()).isEqualTo(429));

    openai.enqueue(Fault.status(400));
    assertThatThrownBy(() -> client.prompt().user("Hello").call().content())
        .isInstanceOfSatisfying(
            com.openai.errors.BadRequestException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(400);
              assertThat(e.code()).contains("context_length_exceeded");
            });
  }
}
