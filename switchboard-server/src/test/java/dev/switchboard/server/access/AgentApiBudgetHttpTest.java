package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A budget holds {@code /v1/messages} and {@code /v1/responses} served over a provider's chat as it
 * holds a chat completion: a key whose budget a call cannot fit is refused with 412 before anything
 * is sent, in the API's error shape, and a key within its budget is served and charged.
 */
class AgentApiBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-agent-apis-" + UUID.randomUUID();

  /** An agent API: its path, a request, its answer's type, and whether an error says its type. */
  record Endpoint(String path, String body, String answerType) {
    @Override
    public String toString() {
      return path;
    }

    /** Anthropic's errors say {@code "type": "error"}; OpenAI's are the error object alone. */
    void assertErrorShape(JsonNode error) {
      if (path.equals("/v1/messages")) {
        assertThat(error.path("type").asText()).isEqualTo("error");
      }
      assertThat(error.at("/error/message").asText()).isNotEmpty();
    }
  }

  static Stream<Endpoint> endpoints() {
    return Stream.of(
        new Endpoint(
            "/v1/messages",
            """
            {"model":"gpt-4o-mini","max_tokens":64,
             "messages":[{"role":"user","content":"Summarize the meeting notes in one line please"}]}
            """,
            "message"),
        new Endpoint(
            "/v1/responses",
            """
            {"model":"gpt-4o-mini","max_output_tokens":64,
             "input":"Summarize the meeting notes in one line please"}
            """,
            "response"));
  }

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

  HttpResponse<String> call(Endpoint endpoint, AccessGateway.CreatedKey key) {
    return gateway.send(
        "POST",
        endpoint.path(),
        endpoint.body(),
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void aKeyPastItsBudgetIsRefused412BeforeAnythingIsSent(Endpoint endpoint) {
    HttpResponse<String> refused = call(endpoint, key("0.0000001"));

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
    endpoint.assertErrorShape(WireJson.tree(refused.body()));
    assertThat(openai.requests()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void aKeyWithinItsBudgetIsServed(Endpoint endpoint) {
    HttpResponse<String> served = call(endpoint, key("5.00"));

    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    JsonNode answer = WireJson.tree(served.body());
    assertThat(answer.path(endpoint.answerType().equals("message") ? "type" : "object").asText())
        .isEqualTo(endpoint.answerType());
    assertThat(served.headers().firstValue("x-switchboard-cost-usd")).isPresent();
  }
}
