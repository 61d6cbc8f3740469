package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.BedrockFault;
import dev.switchboard.testkit.FakeBedrock;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** AWS secrets pass through the gateway and never land in its logs or error bodies. */
class BedrockSecretsTest {
  static final String SECRET = "canarySecret/7f3e9a1c55d04b2aEXAMPLE";
  static final String TOKEN = "canarySessionToken-4b2a7f3e9a1c55d0";

  @Test
  void noAwsSecretOrSessionTokenAppearsInLogsOrErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    root.setLevel(Level.DEBUG);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    StringBuilder bodies = new StringBuilder();
    try (FakeBedrock bedrock =
            FakeBedrock.builder()
                .credentials(FakeBedrock.DEFAULT_ACCESS_KEY_ID, SECRET)
                .sessionToken(TOKEN)
                .start();
        GatewayUnderTest gateway =
            GatewayUnderTest.withEngine(
                GatewaySettings.builder()
                    .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                    .build(),
                engine -> {})) {
      String chat =
          "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      String stream = chat.replace("}]}", "}],\"stream\":true}");
      String[] good = {
        "x-portkey-provider",
        "bedrock",
        "x-portkey-aws-access-key-id",
        FakeBedrock.DEFAULT_ACCESS_KEY_ID,
        "x-portkey-aws-secret-access-key",
        SECRET,
        "x-portkey-aws-session-token",
        TOKEN,
        "x-portkey-aws-region",
        "us-east-1"
      };
      bodies.append(gateway.postJson("/v1/chat/completions", chat, good).body());
      bodies.append(gateway.postJson("/v1/chat/completions", stream, good).body());
      bedrock.enqueue(BedrockFault.accessDenied());
      bodies.append(gateway.postJson("/v1/chat/completions", chat, good).body());
      bedrock.enqueue(BedrockFault.cutStreamAfter(2));
      bodies.append(gateway.postJson("/v1/chat/completions", stream, good).body());
      String[] wrongRegion = good.clone();
      wrongRegion[9] = "ap-south-1";
      bodies.append(gateway.postJson("/v1/chat/completions", chat, wrongRegion).body());
      String[] noRegion = java.util.Arrays.copyOf(good, 8);
      bodies.append(gateway.postJson("/v1/chat/completions", chat, noRegion).body());
      bodies.append(
          gateway
              .postJson(
                  "/v1/chat/completions",
                  chat,
                  "x-portkey-config",
                  "{\"provider\":\"bedrock\",\"aws_secret_access_key\":\""
                      + SECRET
                      + "\",\"aws_session_token\":\""
                      + TOKEN
                      + "\"}")
              .body());
      assertThat(bedrock.requestCount()).isEqualTo(5);
    } finally {
      root.detachAppender(logs);
      root.setLevel(level);
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
    assertThat(bodies).contains("x-portkey-aws-region").contains("scoped to a valid region");
    assertThat(logged).doesNotContain(SECRET).doesNotContain(TOKEN);
    assertThat(bodies.toString()).doesNotContain(SECRET).doesNotContain(TOKEN);
  }
}
