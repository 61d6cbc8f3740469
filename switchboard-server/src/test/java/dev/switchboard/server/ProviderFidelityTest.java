package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the provider sent reaches the client: when the gateway transforms nothing, the provider's
 * own bytes (key order, number formats, escapes, nulls); a field sent as null, both ways; and a
 * translated answer with the keys OpenAI's schema requires.
 */
class ProviderFidelityTest {
  static final String CHAT =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}\
      """;

  static FakeOpenAi openai;
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    gateway =
        GatewayUnderTest.withProviders(
            Map.of("openai", openai.baseUrl(), "anthropic", anthropic.baseUrl()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    anthropic.close();
    openai.close();
  }

  @Test
  void anUntransformedAnswerReachesTheClientByteForByte() {
    // An OpenAI-compatible server's own serialiser: its key order, 1.0 and 1e-5, a \\u escape,
    // nulls, and a line break between keys.
    String answer =
        """
        {"object":"chat.completion","id":"chatcmpl-7","created":1733000000,"model":"local",
        "choices":[{"index":0,"message":{"role":"assistant","content":"caf\\u00e9","refusal":null,
        "tool_calls":null},"logprobs":{"content":[{"token":"caf","logprob":-1e-5,"bytes":null,
        "top_logprobs":[]}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,
        "completion_tokens":1,"total_tokens":2,"completion_tokens_details":null},
        "service_tier":null,"system_fingerprint":null,"temperature_used":1.0}\
        """;
    openai.enqueue(Fault.verbatim(200, "application/json", answer));

    var response = chat(CHAT);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(answer);
  }

  @Test
  void anUntransformedStreamPassesEachEventsDataAndItsCommentsAsSent() {
    String stream =
        """
        : keep-alive

        data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

        : keep-alive

        data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"x\\":1.0}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}

        data: [DONE]

        """;
    openai.enqueue(Fault.verbatim(200, "text/event-stream", stream));

    var response = chat(CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(stream);
  }

  @Test
  void aRequestFieldSentAsNullReachesTheProviderAsNull() throws Exception {
    var response =
        chat(
            """
            {"model":"gpt-4o-mini","temperature":null,"seed":null,\
            "messages":[{"role":"user","content":"hi","name":null}]}\
            """);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = lastRequestTo(openai);
    assertThat(sent.has("temperature")).isTrue();
    assertThat(sent.get("temperature").isNull()).isTrue();
    assertThat(sent.get("seed").isNull()).isTrue();
    assertThat(sent.at("/messages/0").has("name")).isTrue();
  }

  @Test
  void anUnchangedRequestReachesTheProviderAsTheClientSentIt() throws Exception {
    String sent =
        """
        {"stream":false,"messages":[{"content":"caf\\u00e9","role":"user"}],"top_p":1.0,\
        "temperature":1e-5,"model":"gpt-4o-mini","x_vendor":{"b":1,"a":2}}\
        """;

    var response = chat(sent);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(lastRawRequestTo(openai)).isEqualTo(sent);
  }

  @Test
  void aRequestAConfigChangesIsWrittenAnewWithTheChange() throws Exception {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            """
            {"temperature":1e-5,"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}\
            """,
            "x-portkey-config",
            """
            {"provider":"openai","api_key":"sk-test","override_params":{"temperature":0.5}}\
            """);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = dev.switchboard.wire.WireJson.tree(lastRawRequestTo(openai));
    assertThat(sent.get("temperature").asDouble()).isEqualTo(0.5);
    assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-mini");
  }

  @Test
  void aTranslatedAnswerHasTheKeysOpenAisSchemaRequires() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("gpt-4o-mini", "claude-3-5-haiku-latest"),
            "x-portkey-provider",
            "anthropic",
            "authorization",
            "Bearer sk-ant-test");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode choice = json(response).at("/choices/0");
    assertThat(choice.get("message").has("refusal")).isTrue();
    assertThat(choice.get("message").get("refusal").isNull()).isTrue();
    assertThat(choice.has("logprobs")).isTrue();
    assertThat(choice.get("logprobs").isNull()).isTrue();
  }

  @Test
  void aTranslatedStreamsChoicesCarryLogprobsNull() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("gpt-4o-mini", "claude-3-5-haiku-latest")
                .replace("{\"model\"", "{\"stream\":true,\"model\""),
            "x-portkey-provider",
            "anthropic",
            "authorization",
            "Bearer sk-ant-test");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    var events = GatewayUnderTest.sseData(response.body());
    JsonNode first = dev.switchboard.wire.WireJson.tree(events.getFirst());
    assertThat(first.at("/choices/0").has("logprobs")).isTrue();
  }

  private static String lastRawRequestTo(FakeOpenAi fake) throws InterruptedException {
    String last = null;
    for (var request = fake.takeRequest(Duration.ZERO);
        request != null;
        request = fake.takeRequest(Duration.ZERO)) {
      last = request.body();
    }
    return last;
  }

  private static JsonNode lastRequestTo(FakeOpenAi fake) throws InterruptedException {
    JsonNode last = null;
    for (var request = fake.takeRequest(Duration.ZERO);
        request != null;
        request = fake.takeRequest(Duration.ZERO)) {
      last = request.json();
    }
    return last;
  }

  private static java.net.http.HttpResponse<String> chat(String body) {
    return gateway.postJson(
        "/v1/chat/completions",
        body,
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-test");
  }
}
