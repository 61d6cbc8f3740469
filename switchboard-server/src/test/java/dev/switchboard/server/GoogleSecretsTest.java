package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.testkit.FakeGemini;
import dev.switchboard.testkit.FakeVertex;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Gemini's API key, a Vertex AI service account's private key and the access tokens minted from it
 * never land in the gateway's logs (every logger at DEBUG, Google's auth library included) or in
 * its answers.
 */
class GoogleSecretsTest {
  static final String GEMINI_KEY = "AIzaSyCanary0000000000000000000000000000";

  @Test
  void theServiceAccountJsonIsASecretOption() {
    assertThat(ProviderOptions.SECRETS).contains("vertex_service_account_json");
  }

  @Test
  void noGoogleSecretAppearsInLogsOrAnswers() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    root.setLevel(Level.DEBUG);
    StringBuilder bodies = new StringBuilder();
    List<String> secrets = new ArrayList<>(List.of(GEMINI_KEY));
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair keys = rsa.generateKeyPair();
    String email = "secret@switchboard-test.iam.gserviceaccount.com";
    String encodedKey = Base64.getEncoder().encodeToString(keys.getPrivate().getEncoded());
    secrets.add(encodedKey.substring(64, 128)); // one whole line of the PEM
    try (FakeGemini gemini = FakeGemini.builder().apiKey(GEMINI_KEY).start();
        FakeVertex vertex = FakeVertex.builder().serviceAccount(email, keys.getPublic()).start();
        GatewayUnderTest gateway =
            GatewayUnderTest.withProviders(
                Map.of("google", gemini.origin(), "vertex-ai", vertex.origin()))) {
      String chat =
          "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      String streamed = chat.replace("}]}", "}],\"stream\":true}");
      String[] google = {"x-portkey-provider", "google", "authorization", "Bearer " + GEMINI_KEY};
      bodies.append(gateway.postJson("/v1/chat/completions", chat, google).body());
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, google).body());
      gemini.enqueue(Fault.status(403));
      bodies.append(gateway.postJson("/v1/chat/completions", chat, google).body());
      gemini.enqueue(Fault.cutStreamAfter(1));
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, google).body());
      bodies.append(gateway.get("/v1/models", google).body());

      String account = vertex.serviceAccountJson(email, keys);
      String[] vertexHeaders = {
        "x-portkey-provider",
        "vertex-ai",
        "x-portkey-vertex-region",
        FakeVertex.DEFAULT_REGION,
        "x-portkey-vertex-service-account-json",
        account
      };
      bodies.append(gateway.postJson("/v1/chat/completions", chat, vertexHeaders).body());
      bodies.append(gateway.postJson("/v1/chat/completions", streamed, vertexHeaders).body());
      vertex.enqueue(Fault.status(401));
      bodies.append(gateway.postJson("/v1/chat/completions", chat, vertexHeaders).body());
      ObjectNode unreadable = (ObjectNode) WireJson.tree(account);
      unreadable.put("private_key", unreadable.get("private_key").asText().substring(0, 400));
      bodies.append(
          gateway
              .postJson(
                  "/v1/chat/completions",
                  chat,
                  "x-portkey-provider",
                  "vertex-ai",
                  "x-portkey-vertex-region",
                  FakeVertex.DEFAULT_REGION,
                  "x-portkey-vertex-service-account-json",
                  unreadable.toString())
              .body());
      String token = vertex.apiRequests().getFirst().header("authorization").substring(7);
      secrets.add(token);
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
    for (String secret : secrets) {
      assertThat(logged).doesNotContain(secret);
      assertThat(bodies.toString()).doesNotContain(secret);
    }
  }
}
