package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.testkit.FakeAzureOpenAi;
import dev.switchboard.testkit.FakeCohere;
import dev.switchboard.testkit.Fault;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Azure's key and Entra ID token, and Cohere's key, pass through the gateway and never land in its
 * logs or error bodies, whatever fails.
 */
class AzureAndCohereSecretsTest {
  static final String KEY = "az-canary-5c1d88e0b7a24f19";
  static final String TOKEN = "eyJ-canary-token-3b9f0e6a2d";
  static final String COHERE_KEY = "co-canary-91ab7e3f4c6d2e08";

  @Test
  void noAzureOrCohereSecretAppearsInTheGatewaysLogsOrErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    StringBuilder bodies = new StringBuilder();
    try (FakeAzureOpenAi azure = FakeAzureOpenAi.start();
        FakeCohere cohere = FakeCohere.start();
        GatewayUnderTest gateway =
            GatewayUnderTest.withProviders(
                Map.of("azure-openai", azure.baseUrl(), "cohere", cohere.baseUrl()))) {
      String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      String streamed = chat.replace("}]}", "}],\"stream\":true}");
      String[] withKey = {
        "x-portkey-provider", "azure-openai",
        "authorization", "Bearer " + KEY,
        "x-portkey-azure-deployment-id", "d",
        "x-portkey-azure-api-version", "2024-10-21"
      };
      String[] withToken = {
        "x-portkey-provider", "azure-openai",
        "x-portkey-azure-ad-token", TOKEN,
        "x-portkey-azure-deployment-id", "d",
        "x-portkey-azure-api-version", "2024-10-21"
      };
      String[] withCohereKey = {
        "x-portkey-provider", "cohere", "authorization", "Bearer " + COHERE_KEY
      };
      azure.requireApiKey("another");
      bodies.append(gateway.postJson("/v1/chat/completions", chat, withKey).body());
      azure.requireApiKey(null);
      azure.requireBearerToken("another");
      bodies.append(gateway.postJson("/v1/chat/completions", chat, withToken).body());
      azure.requireBearerToken(null);
      azure.enqueue(Fault.cutStreamAfter(2));
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, withToken).body());
      bodies.append(
          gateway
              .postJson(
                  "/v1/chat/completions",
                  chat,
                  "x-portkey-provider",
                  "azure-openai",
                  "x-portkey-azure-ad-token",
                  TOKEN,
                  "x-portkey-azure-auth-mode",
                  "entra")
              .body());
      cohere.requireApiKey("another");
      bodies.append(gateway.postJson("/v1/chat/completions", chat, withCohereKey).body());
      cohere.requireApiKey(null);
      cohere.enqueue(Fault.resetConnection());
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, withCohereKey).body());
      bodies.append(gateway.postJson("/v1/chat/completions", "{\"bad\": 1", withCohereKey).body());
    } finally {
      root.detachAppender(logs);
    }

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
    for (String secret : new String[] {KEY, TOKEN, COHERE_KEY}) {
      assertThat(logged).doesNotContain(secret);
      assertThat(bodies.toString()).doesNotContain(secret);
    }
  }
}
