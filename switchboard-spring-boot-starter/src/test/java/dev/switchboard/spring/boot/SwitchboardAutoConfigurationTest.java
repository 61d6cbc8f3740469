package dev.switchboard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.springai.SwitchboardSpringChatModel;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.transport.GatewayFacts;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * An app with the starter, configured from {@code switchboard.*} properties only, asks Spring for a
 * {@link ChatModel} and talks to the gateway through it: a running server, or the engine
 * in-process.
 */
class SwitchboardAutoConfigurationTest {
  static FakeOpenAi openai;
  static SwitchboardServer server;

  final ApplicationContextRunner app =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(SwitchboardAutoConfiguration.class));

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

  static final class TravelTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool(description = "The current weather in a city")
    String weather(@ToolParam(description = "the city") String city) {
      calls.add("weather");
      return "sunny in " + city;
    }
  }

  @Test
  void theChatModelCallsStreamsAndRunsAToolThroughAGatewayServer() {
    app.withPropertyValues(
            "switchboard.base-url=" + server.baseUri(),
            "switchboard.provider=mock",
            "switchboard.metadata._user=ada",
            "switchboard.chat.model=mock-chat",
            "switchboard.chat.max-tokens=256")
        .run(context -> {
          assertThat(context).hasSingleBean(ChatModel.class);
          ChatClient client = ChatClient.create(context.getBean(ChatModel.class));
          TravelTools tools = new TravelTools();

          ChatResponse whole = client.prompt().user("Hello, starter").call().chatResponse();
          List<String> streamed =
              client.prompt().user("Hello, stream").stream().content().collectList().block();
          String afterTool = client.prompt().user("Weather in Oslo?").tools(tools).call().content();

          assertThat(whole.getResult().getOutput().getText()).contains("Hello, starter");
          GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(whole).orElseThrow();
          assertThat(facts.provider()).isEqualTo("mock");
          assertThat(facts.traceId()).isNotBlank();
          assertThat(String.join("", streamed)).contains("Hello, stream");
          assertThat(tools.calls).containsExactly("weather");
          assertThat(afterTool).contains("sunny in");
        });
  }

  @Test
  void inProcessTheEngineFallsBackByASavedConfigWithNoServer() {
    openai.enqueue(Fault.status(503));
    app.withPropertyValues(
            "switchboard.mode=in-process",
            "switchboard.in-process.provider-base-urls.openai=" + openai.baseUrl(),
            "switchboard.in-process.configs.resilient="
                + "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":"
                + "[{\"provider\":\"openai\",\"api_key\":\"sk-fake\"},{\"provider\":\"mock\"}]}",
            "switchboard.config=resilient",
            "switchboard.chat.model=gpt-4o-mini")
        .run(context -> {
          assertThat(context).hasSingleBean(Gateway.class);
          ChatResponse response =
              ChatClient.create(context.getBean(ChatModel.class))
                  .prompt()
                  .user("Hello, engine")
                  .call()
                  .chatResponse();

          GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(response).orElseThrow();
          assertThat(facts.provider()).isEqualTo("mock");
          assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
          assertThat(response.getResult().getOutput().getText()).contains("Hello, engine");
        });
  }

  @Test
  void inProcessTheEngineIsBuiltFromAGatewaySettingsFileAsTheServerWouldBe(@TempDir Path dir)
      throws IOException {
    openai.enqueue(Fault.status(503));
    Path settings = dir.resolve("switchboard.yaml");
    Files.writeString(
        settings,
        """
        providers:
          openai:
            base-url: %s
        configs:
          resilient:
            strategy: {mode: fallback}
            targets:
              - {provider: openai, api_key: sk-fake}
              - {provider: mock}
        """
            .formatted(openai.baseUrl()));
    app.withPropertyValues(
            "switchboard.mode=in-process",
            "switchboard.in-process.settings-file=" + settings,
            "switchboard.config=resilient",
            "switchboard.chat.model=gpt-4o-mini")
        .run(context -> {
          assertThat(context).hasSingleBean(Gateway.class);
          ChatResponse response =
              ChatClient.create(context.getBean(ChatModel.class))
                  .prompt()
                  .user("Hello, settings file")
                  .call()
                  .chatResponse();

          GatewayFacts facts = SwitchboardSpringChatModel.gatewayFacts(response).orElseThrow();
          assertThat(facts.provider()).isEqualTo("mock");
          assertThat(facts.lastUsedOptionIndex()).isEqualTo("config.targets[1]");
          assertThat(response.getResult().getOutput().getText()).contains("Hello, settings file");
          // The file's base URL for openai was used: the fake saw the first attempt.
          assertThat(openai.takeRequest(Duration.ofSeconds(5))).isNotNull();
        });
  }

  @Test
  void anInvalidSettingsFileStopsTheAppNamingTheSetting(@TempDir Path dir) throws IOException {
    Path settings = dir.resolve("switchboard.yaml");
    Files.writeString(settings, "routing:\n  max-attempts: many\n");
    app.withPropertyValues(
            "switchboard.mode=in-process", "switchboard.in-process.settings-file=" + settings)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("max-attempts");
        });
  }

  @Test
  void aSettingsFileIsNotMixedWithTheOtherInProcessProperties(@TempDir Path dir)
      throws IOException {
    Path settings = dir.resolve("switchboard.yaml");
    Files.writeString(settings, "{}\n");
    app.withPropertyValues(
            "switchboard.mode=in-process",
            "switchboard.in-process.settings-file=" + settings,
            "switchboard.in-process.default-config=resilient")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure())
              .rootCause()
              .hasMessageContaining("switchboard.in-process.settings-file");
        });
  }
}
