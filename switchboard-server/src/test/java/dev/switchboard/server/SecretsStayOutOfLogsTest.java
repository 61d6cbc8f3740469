package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A provider key passes through the gateway and never lands in its logs or error bodies. */
class SecretsStayOutOfLogsTest {
  static final String CANARY = "sk-canary-7f3e9a1c55d04b2a";

  @Test
  void noProviderKeyAppearsInTheGatewaysLogsOrErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    StringBuilder bodies = new StringBuilder();
    try (FakeOpenAi openai = FakeOpenAi.start();
        GatewayUnderTest gateway = GatewayUnderTest.start(openai.baseUrl())) {
      String chat =
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      String[] key = {"x-portkey-provider", "openai", "authorization", "Bearer " + CANARY};
      bodies.append(gateway.postJson("/v1/chat/completions", chat, key).body());
      bodies.append(
          gateway
              .postJson("/v1/chat/completions", chat.replace("}]}", "}],\"stream\":true}"), key)
              .body());
      openai.enqueue(Fault.status(401));
      bodies.append(gateway.postJson("/v1/chat/completions", chat, key).body());
      openai.enqueue(Fault.resetConnection());
      bodies.append(gateway.postJson("/v1/chat/completions", chat, key).body());
      openai.enqueue(Fault.cutStreamAfter(1));
      bodies.append(
          gateway
              .postJson("/v1/chat/completions", chat.replace("}]}", "}],\"stream\":true}"), key)
              .body());
      bodies.append(gateway.postJson("/v1/chat/completions", "{\"broken\": " + CANARY, key).body());
      bodies.append(
          gateway
              .postJson(
                  "/v1/chat/completions",
                  chat,
                  "x-portkey-provider",
                  "openai",
                  "authorization",
                  "Bearer " + CANARY,
                  "x-portkey-custom-host",
                  "http://user:" + CANARY + "@10.0.0.1/v1")
              .body());
      bodies.append(
          gateway
              .postJson(
                  "/v1/chat/completions",
                  chat,
                  "x-portkey-provider",
                  "nosuch",
                  "authorization",
                  "Bearer " + CANARY)
              .body());
    } finally {
      root.detachAppender(logs);
    }

    assertNoSecret(logs, bodies);
  }

  @Test
  void noAnthropicKeyAppearsInTheGatewaysLogsOrErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    StringBuilder bodies = new StringBuilder();
    try (FakeAnthropic anthropic = FakeAnthropic.start();
        GatewayUnderTest gateway =
            GatewayUnderTest.withProviders(java.util.Map.of("anthropic", anthropic.baseUrl()))) {
      String chat = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      String streamed = chat.replace("}]}", "}],\"stream\":true}");
      String message = chat.replace("}]}", "}],\"max_tokens\":5}");
      String[] bearer = {"x-portkey-provider", "anthropic", "authorization", "Bearer " + CANARY};
      String[] apiKey = {
        "x-portkey-provider", "anthropic", "x-api-key", CANARY, "anthropic-version", "2023-06-01"
      };
      bodies.append(gateway.postJson("/v1/chat/completions", chat, bearer).body());
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, apiKey).body());
      anthropic.enqueue(Fault.status(401));
      bodies.append(gateway.postJson("/v1/chat/completions", chat, bearer).body());
      anthropic.enqueue(Fault.streamError(2, 529));
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, bearer).body());
      bodies.append(gateway.postJson("/v1/messages", message, apiKey).body());
      anthropic.enqueue(Fault.status(529));
      bodies.append(gateway.postJson("/v1/messages", message, apiKey).body());
      anthropic.enqueue(Fault.cutStreamAfter(2));
      bodies.append(
          gateway
              .postJson("/v1/messages", message.replace("}]", "}],\"stream\":true"), apiKey)
              .body());
      bodies.append(gateway.postJson("/v1/messages/count_tokens", chat, apiKey).body());
      bodies.append(gateway.postJson("/v1/messages", "{\"broken\": " + CANARY, apiKey).body());
    } finally {
      root.detachAppender(logs);
    }
    assertNoSecret(logs, bodies);
  }

  private static void assertNoSecret(ListAppender<ILoggingEvent> logs, StringBuilder bodies) {
    String logged =
        String.join(
            "\n",
            logs.list.stream()
                .map(e ->
                    e.getFormattedMessage()
                        + " "
                        + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage()))
                .toList());
    assertThat(logs.list).isNotEmpty();
    for (String form :
        new String[] {
          CANARY,
          URLEncoder.encode(CANARY, StandardCharsets.UTF_8),
          Base64.getEncoder().encodeToString(CANARY.getBytes(StandardCharsets.UTF_8)),
        }) {
      assertThat(logged).doesNotContain(form);
      assertThat(bodies.toString()).doesNotContain(form);
    }
  }
}
