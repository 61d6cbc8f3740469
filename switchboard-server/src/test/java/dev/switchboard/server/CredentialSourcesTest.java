package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which credential a target is sent with (docs/access.md, "Which credential a target uses"): the
 * request's own {@code Authorization} goes only with the request's single target, never to a target
 * of a strategy, which may be another provider or host.
 */
class CredentialSourcesTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.start(openai.baseUrl());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void aSingleTargetWithoutApiKeyIsSentWithTheCallersOwnAuthorization() throws Exception {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            "{\"provider\":\"openai\",\"retry\":{\"attempts\":1}}",
            "authorization",
            "Bearer sk-callers-own");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(last().header("authorization")).isEqualTo("Bearer sk-callers-own");
  }

  @Test
  void aStrategysTargetWithoutApiKeyIsSentWithoutACredential() throws Exception {
    gateway.postJson(
        "/v1/chat/completions",
        CHAT,
        "x-portkey-config",
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"provider\":\"openai\"}]}",
        "authorization",
        "Bearer sk-callers-own");

    // As a local server (Ollama, vLLM) takes it: no key, never the caller's.
    RecordedRequest sent = last();
    assertThat(sent).isNotNull();
    assertThat(sent.header("authorization")).isNull();
  }

  private static RecordedRequest last() throws InterruptedException {
    RecordedRequest last = null;
    for (var request = openai.takeRequest(Duration.ofSeconds(2));
        request != null;
        request = openai.takeRequest(Duration.ZERO)) {
      last = request;
    }
    return last;
  }
}
