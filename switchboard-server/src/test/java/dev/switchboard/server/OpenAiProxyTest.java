package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static dev.switchboard.server.RequestValidationTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The openai provider in front of a faithful fake of OpenAI's API. */
class OpenAiProxyTest {
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

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (openai.takeRequest(Duration.ofMillis(1)) != null) {
      // drain what earlier tests sent
    }
  }

  static final String CHAT =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hello fake"}],
       "seed":7,"a_future_field":{"kept":true}}\
      """;

  static final String TOOLS =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris and Rome?"}],
       "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}}}}}],
       "tool_choice":"required"%s}\
      """;

  @Test
  void forwardsTheRequestUnchangedWithTheClientsKey() throws InterruptedException {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-client-key");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("openai");
    RecordedRequest upstream = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
    assertThat(upstream.header("authorization")).isEqualTo("Bearer sk-client-key");
    assertThat(upstream.json()).isEqualTo(WireJson.tree(CHAT));
    assertThat(upstream.header("x-portkey-provider")).isNull();
    assertThat(json(response).at("/choices/0/message/content").asText()).contains("Hello fake");
  }

  @Test
  void aStreamedResponseReassembledEqualsTheNonStreamedOne() {
    String streaming =
        CHAT.replace(
            "\"seed\":7", "\"seed\":7,\"stream\":true,\"stream_options\":{\"include_usage\":true}");

    JsonNode whole =
        json(gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "openai"));
    var stream =
        gateway.postJson("/v1/chat/completions", streaming, "x-portkey-provider", "openai");

    List<String> data = sseData(stream.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(whole));
  }

  @Test
  void streamedParallelToolCallsKeepTheirIndexesWithIdAndNameFirst() {
    JsonNode whole =
        json(
            gateway.postJson(
                "/v1/chat/completions", TOOLS.formatted(""), "x-portkey-provider", "openai"));
    var stream =
        gateway.postJson(
            "/v1/chat/completions",
            TOOLS.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
            "x-portkey-provider",
            "openai");

    List<String> data = sseData(stream.body());
    var assembled = StreamAssembly.assemble(data);
    assertThat(assembled).isEqualTo(StreamAssembly.of(whole));
    assertThat(assembled.at("/message/tool_calls")).hasSize(2);
    java.util.Set<Integer> opened = new java.util.HashSet<>();
    for (String event : data.subList(0, data.size() - 1)) {
      for (JsonNode fragment : WireJson.tree(event).at("/choices/0/delta/tool_calls")) {
        boolean first = opened.add(fragment.get("index").asInt());
        assertThat(fragment.hasNonNull("id")).isEqualTo(first);
        assertThat(fragment.at("/function/name").isTextual()).isEqualTo(first);
      }
    }
  }

  @Test
  void aProviderErrorKeepsItsStatusAndBodyAndRetryHeaders() {
    openai.enqueue(Fault.status(429).withHeader("retry-after", "7"));

    var response = gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "openai");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).hasValue("7");
    assertThat(response.headers().firstValue("x-portkey-gateway-exception")).isEmpty();
    JsonNode body = json(response);
    assertThat(body.path("provider").asText()).isEqualTo("openai");
    assertThat(body.at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(body.at("/error/message").asText()).isNotBlank();
  }

  @Test
  void aStreamingRequestsProviderErrorBeforeTheFirstByteKeepsItsStatus() {
    openai.enqueue(Fault.status(503));

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("\"seed\":7", "\"stream\":true"),
            "x-portkey-provider",
            "openai");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(json(response).path("provider").asText()).isEqualTo("openai");
  }

  @Test
  void aRequestTimeoutAnswers408() {
    openai.enqueue(Fault.slowFirstByte(Duration.ofSeconds(3)));

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "openai",
            "x-portkey-request-timeout",
            "300");

    RequestValidationTest.assertRequestTimeout(response, "300ms");
  }

  @Test
  void aConnectionResetAnswers502() {
    openai.enqueue(Fault.resetConnection());

    assertGatewayError(
        gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "openai"),
        502,
        "provider");
  }

  @Test
  void aMalformedProviderBodyAnswers502() {
    openai.enqueue(Fault.malformedBody());

    assertGatewayError(
        gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "openai"),
        502,
        "not valid JSON");
  }

  @Test
  void aStreamCutMidwayEndsWithAnErrorEventAndNoDone() {
    openai.enqueue(Fault.cutStreamAfter(3));

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("\"seed\":7", "\"stream\":true"),
            "x-portkey-provider",
            "openai");

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(data).hasSize(4);
    JsonNode last = WireJson.tree(data.getLast());
    assertThat(last.at("/error/message").asText())
        .containsAnyOf("broke off", "ended before it was complete");
    for (String chunk : data.subList(0, 3)) {
      assertThat(WireJson.tree(chunk).at("/choices/0/finish_reason").isNull()).isTrue();
    }
  }

  @Test
  void passesOtherV1PathsThroughUnchanged() throws InterruptedException {
    var moderation =
        gateway.postJson(
            "/v1/moderations",
            "{\"input\":\"hello\"}",
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-mod");
    var unknown = gateway.postJson("/v1/no/such/thing?x=1", "{}", "x-portkey-provider", "openai");

    assertThat(moderation.statusCode()).isEqualTo(200);
    assertThat(json(moderation).has("results")).isTrue();
    RecordedRequest upstream = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(upstream.path()).isEqualTo("/v1/moderations");
    assertThat(upstream.header("authorization")).isEqualTo("Bearer sk-mod");
    assertThat(upstream.body()).isEqualTo("{\"input\":\"hello\"}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).at("/error/message").asText()).contains("/v1/no/such/thing");
    RecordedRequest passed = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(passed.query()).isEqualTo("x=1");
  }

  @Test
  void servesCompletionsEmbeddingsAndModelsFromTheProvider() {
    var completion =
        gateway.postJson(
            "/v1/completions",
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\"}",
            "x-portkey-provider",
            "openai");
    var embeddings =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}",
            "x-portkey-provider",
            "openai");
    var models = gateway.get("/v1/models", "x-portkey-provider", "openai");

    assertThat(json(completion).path("object").asText()).isEqualTo("text_completion");
    assertThat(json(embeddings).path("data")).hasSize(2);
    assertThat(json(models).path("data"))
        .extracting(m -> m.path("id").asText())
        .contains("gpt-4o-mini");
  }

  @Test
  void forwardsTheHeadersNamedInForwardHeaders() throws InterruptedException {
    gateway.postJson(
        "/v1/chat/completions",
        CHAT,
        "x-portkey-provider",
        "openai",
        "x-portkey-forward-headers",
        "x-team, OpenAI-Project",
        "x-team",
        "search",
        "openai-project",
        "proj_1",
        "x-not-forwarded",
        "no");

    RecordedRequest upstream = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(upstream.header("x-team")).isEqualTo("search");
    assertThat(upstream.header("openai-project")).isEqualTo("proj_1");
    assertThat(upstream.header("x-not-forwarded")).isNull();
  }

  @Test
  void aCustomHostReplacesTheProvidersBaseUrl() throws InterruptedException {
    try (FakeOpenAi other = FakeOpenAi.start()) {
      var response =
          gateway.postJson(
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "x-portkey-custom-host",
              other.baseUrl());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(other.requestCount()).isEqualTo(1);
      assertThat(openai.takeRequest(Duration.ofMillis(200))).isNull();
    }
  }
}
