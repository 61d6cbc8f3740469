package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A budget holds {@code /v1/messages} served over a provider's chat as it holds a chat completion:
 * a key whose budget a call cannot fit is refused with 412 before anything is sent, in Anthropic's
 * error shape, and a key within its budget is served and charged.
 */
class MessagesBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-messages-" + UUID.randomUUID();
  static final String MESSAGE =
      """
      {"model":"gpt-4o-mini","max_tokens":64,
       "messages":[{"role":"user","content":"Summarize the meeting notes in one line please"}]}
      """;

  FakeOpenAi openai;
  AccessGateway gateway;
  String workspace;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withProviderBaseUrls(Map.of("openai", openai.baseUrl())));
    workspace = "ws-messages-" + UUID.randomUUID().toString().substring(0, 8);
    gateway.createWorkspace(workspace, null);
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  HttpResponse<String> messages(AccessGateway.CreatedKey key) {
    return gateway.send(
        "POST",
        "/v1/messages",
        MESSAGE,
        "x-portkey-api-key",
        key.secret(),
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-test");
  }

  AccessGateway.CreatedKey key(String budget) {
    return gateway.createKey(
        workspace,
        "k-" + UUID.randomUUID(),
        "{\"permissions\":[\"completions\"]}",
        "{\"budget\":{\"cost_usd\":\"" + budget + "\",\"period\":\"month\"}}");
  }

  @Test
  void aKeyPastItsBudgetIsRefused412BeforeAnythingIsSent() {
    HttpResponse<String> refused = messages(key("0.0000001"));

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
    assertThat(WireJson.tree(refused.body()).path("type").asText()).isEqualTo("error");
    assertThat(WireJson.tree(refused.body()).at("/error/message").asText()).isNotEmpty();
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void aKeyWithinItsBudgetIsServed() {
    HttpResponse<String> served = messages(key("5.00"));

    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    assertThat(WireJson.tree(served.body()).path("type").asText()).isEqualTo("message");
    assertThat(served.headers().firstValue("x-switchboard-cost-usd")).isPresent();
  }
}
