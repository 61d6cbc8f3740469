package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.providers.compatible.CompatibleProviders;
import dev.switchboard.engine.providers.compatible.CompatibleProviders.Member;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenAI-compatible family through HTTP: every member pointed at {@link FakeOpenAi} by its
 * {@code providers.<name>.base-url} setting, each checked on the path, the credential header and
 * the quirks the fake received, and on what the client got.
 */
class CompatibleFamilyTest {
  static final String TOOL =
      """
      {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",\
      "properties":{"city":{"type":"string"}}}}}\
      """;

  /** A conversation with a developer message and another provider's tool call in its history. */
  static final String HISTORY =
      """
      {"model":"m","messages":[
        {"role":"developer","content":"Be brief."},
        {"role":"user","content":"Weather in Paris?"},
        {"role":"assistant","content":null,"tool_calls":[{"id":"call_Qx81abZ2kLm","type":"function",
          "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
        {"role":"tool","tool_call_id":"call_Qx81abZ2kLm","content":"18C"}],
       "tools":[%s],"tool_choice":"required","max_completion_tokens":64,"seed":7,"n":1,
       "logit_bias":{"50256":-100},"store":true,"stream_options":{"include_usage":true}}\
      """
          .formatted(TOOL)
          .replace("\n", "");

  static FakeOpenAi fake;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    fake = FakeOpenAi.start();
    Map<String, String> baseUrls = new LinkedHashMap<>();
    for (Member member : CompatibleProviders.FAMILY) {
      // The fake serves /v1/…: the base URL stands in for the member's own up to its path prefix.
      baseUrls.put(member.name(), fake.origin() + (member.pathPrefix().equals("/v1") ? "" : "/v1"));
    }
    gateway = GatewayUnderTest.withProviders(baseUrls);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    fake.close();
  }

  @BeforeEach
  void drain() throws InterruptedException {
    while (fake.takeRequest(Duration.ZERO) != null) {}
  }

  static Stream<Member> family() {
    return CompatibleProviders.FAMILY.stream();
  }

  static RecordedRequest received() throws InterruptedException {
    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static HttpResponse<String> chat(String provider, String body) {
    return gateway.postJson(
        "/v1/chat/completions",
        body,
        "x-portkey-provider",
        provider,
        "authorization",
        "Bearer key-" + provider);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("family")
  void chatReachesTheMembersPathWithItsCredential(Member member) throws InterruptedException {
    HttpResponse<String> response =
        chat(
            member.name(),
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake OpenAI. You said: hi");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue(member.name());
    RecordedRequest sent = received();
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    if (member.auth() == CompatibleProviders.Auth.NONE) {
      assertThat(sent.header("authorization")).isNull();
    } else {
      assertThat(sent.header("authorization")).isEqualTo("Bearer key-" + member.name());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("family")
  void developerMessagesAreSentAsSystemAndTheStreamMatchesTheWholeAnswer(Member member)
      throws InterruptedException {
    String body =
        """
        {"model":"m","messages":[{"role":"developer","content":"Be brief."},\
        {"role":"user","content":"hi"}]}\
        """;
    HttpResponse<String> whole = chat(member.name(), body);
    RecordedRequest sent = received();
    HttpResponse<String> streamed =
        chat(member.name(), body.replace("{\"model\"", "{\"stream\":true,\"model\""));

    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    String role = sent.json().at("/messages/0/role").asText();
    assertThat(role).isIn("system", "developer");
    if (!member.name().equals("lm-studio")) {
      assertThat(role).isEqualTo("system");
    }
    List<String> data = GatewayUnderTest.sseData(streamed.body());
    assertThat(data).last().isEqualTo("[DONE]");
    assertThat(StreamAssembly.assemble(data).get("message"))
        .isEqualTo(StreamAssembly.of(json(whole)).get("message"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("family")
  void modelsAndEmbeddingsAreServedWhereTheMemberHasThem(Member member)
      throws InterruptedException {
    HttpResponse<String> models =
        gateway.get("/v1/models", "x-portkey-provider", member.name(), "authorization", "Bearer k");
    HttpResponse<String> embeddings =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"e\",\"input\":\"hello\"}",
            "x-portkey-provider",
            member.name(),
            "authorization",
            "Bearer k");

    if (member.models()) {
      assertThat(models.statusCode()).as(models.body()).isEqualTo(200);
      assertThat(json(models).path("data")).isNotEmpty();
      assertThat(received().path()).isEqualTo("/v1/models");
    } else {
      assertThat(models.statusCode()).isEqualTo(400);
      assertThat(models.body()).contains("not supported by the " + member.name());
    }
    if (member.embeddings()) {
      assertThat(embeddings.statusCode()).as(embeddings.body()).isEqualTo(200);
      assertThat(received().path()).isEqualTo("/v1/embeddings");
    } else {
      assertThat(embeddings.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void mistralGetsItsToolChoiceSeedMaxTokensAndNineCharacterToolCallIds()
      throws InterruptedException {
    HttpResponse<String> response = chat("mistral-ai", HISTORY);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = received().json();
    assertThat(sent.path("tool_choice").asText()).isEqualTo("any");
    assertThat(sent.path("random_seed").asInt()).isEqualTo(7);
    assertThat(sent.has("seed")).isFalse();
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.has("max_completion_tokens")).isFalse();
    assertThat(sent.has("store")).isFalse();
    assertThat(sent.has("stream_options")).isFalse();
    assertThat(sent.has("logit_bias")).isFalse();
    assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
    String callId = sent.at("/messages/2/tool_calls/0/id").asText();
    assertThat(callId).matches("[A-Za-z0-9]{9}");
    assertThat(sent.at("/messages/3/tool_call_id").asText()).isEqualTo(callId);
    assertThat(sent.path("tools")).hasSize(1);
  }

  @Test
  void mistralKeepsItsOwnToolCallIds() throws InterruptedException {
    chat("mistral-ai", HISTORY.replace("call_Qx81abZ2kLm", "D681PevKs"));

    JsonNode sent = received().json();
    assertThat(sent.at("/messages/2/tool_calls/0/id").asText()).isEqualTo("D681PevKs");
    assertThat(sent.at("/messages/3/tool_call_id").asText()).isEqualTo("D681PevKs");
  }

  @Test
  void deepSeekDoesNotGetTheFieldsItRefuses() throws InterruptedException {
    chat("deepseek", HISTORY);

    JsonNode sent = received().json();
    assertThat(sent.has("n")).isFalse();
    assertThat(sent.has("seed")).isFalse();
    assertThat(sent.has("logit_bias")).isFalse();
    assertThat(sent.has("store")).isFalse();
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.path("tool_choice").asText()).isEqualTo("required");
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(sent.at("/messages/2/tool_calls/0/id").asText()).isEqualTo("call_Qx81abZ2kLm");
  }

  @Test
  void perplexityGetsNoToolsAndNoUnsupportedFields() throws InterruptedException {
    HttpResponse<String> response =
        chat(
            "perplexity-ai",
            """
            {"model":"sonar","messages":[{"role":"user","content":"news?"}],"tools":[%s],\
            "tool_choice":"auto","stop":["x"],"seed":1,"user":"u1","search_recency_filter":"week"}\
            """
                .formatted(TOOL));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = received().json();
    for (String field : List.of("tools", "tool_choice", "stop", "seed", "user")) {
      assertThat(sent.has(field)).as(field).isFalse();
    }
    assertThat(sent.path("search_recency_filter").asText()).isEqualTo("week");
  }

  @Test
  void openRouterAsksForUsageAsItsAccountingSays() throws InterruptedException {
    chat(
        "openrouter",
        """
        {"model":"openai/gpt-4o","stream":true,"stream_options":{"include_usage":true},\
        "messages":[{"role":"user","content":"hi"}]}\
        """);

    assertThat(received().json().at("/usage/include").asBoolean()).isTrue();
  }

  @Test
  void otherMembersGetEveryFieldAsSent() throws InterruptedException {
    chat("together-ai", HISTORY);

    JsonNode sent = received().json();
    assertThat(sent.path("seed").asInt()).isEqualTo(7);
    assertThat(sent.path("tool_choice").asText()).isEqualTo("required");
    assertThat(sent.path("logit_bias")).isEqualTo(WireJson.tree("{\"50256\":-100}"));
    assertThat(sent.at("/messages/2/tool_calls/0/id").asText()).isEqualTo("call_Qx81abZ2kLm");
  }

  @Test
  void aRateLimitedMemberFallsBackToAnother() throws InterruptedException {
    fake.enqueue(dev.switchboard.testkit.Fault.status(429));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[{"provider":"groq","api_key":"gsk-1"},        {"provider":"mistral-ai","api_key":"mistral-2"}]}\
        """;

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-config",
            config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("mistral-ai");
    assertThat(received().header("authorization")).isEqualTo("Bearer gsk-1");
    assertThat(received().header("authorization")).isEqualTo("Bearer mistral-2");
  }

  @Test
  void ollamaSendsNoCredentialAndACustomHostReplacesItsBaseUrl() throws InterruptedException {
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-provider",
            "ollama",
            "x-portkey-custom-host",
            fake.origin(),
            "authorization",
            "Bearer not-for-ollama");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.header("authorization")).isNull();
  }
}
