package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.CohereReply;
import dev.switchboard.testkit.FakeCohere;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code cohere} through HTTP against {@link FakeCohere}: each translated field checked on what the
 * fake received (which refuses fields v2 does not know) and on what the client got.
 */
class CohereProxyTest {
  static final String[] COHERE = {"x-portkey-provider", "cohere", "authorization", "Bearer co-key"};
  static final String WEATHER_TOOL =
      """
      {"type":"function","function":{"name":"get_weather","description":"Weather",\
      "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}\
      """;
  static final String TIME_TOOL = WEATHER_TOOL.replace("get_weather", "get_time");

  static FakeCohere cohere;
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    cohere = FakeCohere.start();
    openai = FakeOpenAi.start();
    gateway =
        GatewayUnderTest.withProviders(
            Map.of("cohere", cohere.baseUrl(), "openai", openai.baseUrl()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
    cohere.close();
  }

  @BeforeEach
  void reset() throws InterruptedException {
    cohere.requireApiKey(null);
    while (cohere.takeRequest(Duration.ZERO) != null) {}
  }

  static RecordedRequest received() throws InterruptedException {
    RecordedRequest request = cohere.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static HttpResponse<String> chat(String body) {
    return gateway.postJson("/v1/chat/completions", body, COHERE);
  }

  @Test
  void chatIsTranslatedToV2ChatAndBack() throws InterruptedException {
    cohere.requireApiKey("co-key");
    HttpResponse<String> response =
        chat(
            """
            {"model":"command-a-03-2025","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Answer in English."}]},
              {"role":"user","content":"Hello Cohere"}],
             "max_completion_tokens":100,"stop":"END","top_p":0.9,"temperature":0.3,"seed":5,
             "n":1,"user":"u-1","logit_bias":{"1":2},"parallel_tool_calls":true}\
            """);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.path()).isEqualTo("/v2/chat");
    assertThat(sent.header("authorization")).isEqualTo("Bearer co-key");
    JsonNode body = sent.json();
    assertThat(body.at("/messages/0/role").asText()).isEqualTo("system");
    assertThat(body.at("/messages/1/role").asText()).isEqualTo("system");
    assertThat(body.at("/messages/1/content/0/text").asText()).isEqualTo("Answer in English.");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(100);
    assertThat(body.path("stop_sequences")).isEqualTo(WireJson.tree("[\"END\"]"));
    assertThat(body.path("p").asDouble()).isEqualTo(0.9);
    assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(body.path("seed").asInt()).isEqualTo(5);
    assertThat(body.has("stream")).isFalse();
    JsonNode answer = json(response);
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("model").asText()).isEqualTo("command-a-03-2025");
    assertThat(answer.at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake Cohere. You said: Hello Cohere");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    // usage.tokens (what the model saw) wins over billed_units, as Portkey reads it
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(2 + 3 + 2 + 64);
    assertThat(answer.at("/usage/total_tokens").asInt())
        .isEqualTo(answer.at("/usage/prompt_tokens").asInt() + 9);
  }

  @Test
  void parallelToolCallsAndTheirResultsRoundTrip() throws InterruptedException {
    cohere.enqueue(
        CohereReply.toolCalls(
            "I will call both tools.",
            new CohereReply.ToolCall("get_weather_a1", "get_weather", "{\"city\":\"Paris\"}"),
            new CohereReply.ToolCall("get_time_b2", "get_time", "{\"city\":\"Paris\"}")));
    String ask =
        """
        {"model":"command-a-03-2025","messages":[{"role":"user","content":"Weather and time?"}],
         "tools":[%s,%s],"tool_choice":"required"}\
        """
            .formatted(WEATHER_TOOL, TIME_TOOL);

    HttpResponse<String> first = chat(ask);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode sent = received().json();
    assertThat(sent.path("tool_choice").asText()).isEqualTo("REQUIRED");
    assertThat(sent.path("tools")).hasSize(2);
    assertThat(sent.at("/tools/0/function/parameters/type").asText()).isEqualTo("object");
    JsonNode message = json(first).at("/choices/0/message");
    assertThat(json(first).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(message.path("content").isNull()).isTrue();
    assertThat(message.path("tool_calls")).hasSize(2);
    assertThat(message.at("/tool_calls/1/id").asText()).isEqualTo("get_time_b2");
    assertThat(message.at("/tool_calls/1/function/arguments").asText())
        .isEqualTo("{\"city\":\"Paris\"}");

    String results =
        """
        {"model":"command-a-03-2025","messages":[{"role":"user","content":"Weather and time?"},
         %s,
         {"role":"tool","tool_call_id":"get_weather_a1","content":"18C"},
         {"role":"tool","tool_call_id":"get_time_b2","content":"14:05"}],
         "tools":[%s,%s]}\
        """
            .formatted(message.toString(), WEATHER_TOOL, TIME_TOOL);
    HttpResponse<String> second = chat(results);

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    JsonNode resent = received().json();
    assertThat(resent.at("/messages/1/role").asText()).isEqualTo("assistant");
    assertThat(resent.at("/messages/1").has("content")).isFalse();
    assertThat(resent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("get_weather_a1");
    assertThat(resent.at("/messages/3/tool_call_id").asText()).isEqualTo("get_time_b2");
    assertThat(json(second).at("/choices/0/message/content").asText())
        .isEqualTo("Tool results: 18C; 14:05");
  }

  @Test
  void aNamedToolChoiceRequiresACallAndSendsOnlyThatTool() throws InterruptedException {
    chat(
        """
        {"model":"command-a-03-2025","messages":[{"role":"user","content":"time?"}],
         "tools":[%s,%s],"tool_choice":{"type":"function","function":{"name":"get_time"}}}\
        """
            .formatted(WEATHER_TOOL, TIME_TOOL));

    JsonNode sent = received().json();
    assertThat(sent.path("tool_choice").asText()).isEqualTo("REQUIRED");
    assertThat(sent.path("tools")).hasSize(1);
    assertThat(sent.at("/tools/0/function/name").asText()).isEqualTo("get_time");
  }

  @Test
  void aJsonSchemaResponseFormatBecomesV2sJsonObjectWithTheSchema() throws InterruptedException {
    chat(
        """
        {"model":"command-a-03-2025","messages":[{"role":"user","content":"a city"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"city","strict":true,
           "schema":{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}\
        """);

    JsonNode format = received().json().path("response_format");
    assertThat(format.path("type").asText()).isEqualTo("json_object");
    assertThat(format.at("/json_schema/required/0").asText()).isEqualTo("name");
  }

  @Test
  void aStreamGivesTheSameAnswerAsTheWholeResponse() throws InterruptedException {
    for (boolean tools : List.of(false, true)) {
      String ask =
          tools
              ? """
              {"model":"command-a-03-2025","messages":[{"role":"user","content":"Both?"}],\
              "tools":[%s,%s]}\
              """
                  .formatted(WEATHER_TOOL, TIME_TOOL)
              : """
              {"model":"command-a-03-2025","messages":[{"role":"user","content":"Tell me more"}]}\
              """;
      if (tools) {
        for (int i = 0; i < 2; i++) {
          cohere.enqueue(
              CohereReply.toolCalls(
                  "Calling both tools now.",
                  new CohereReply.ToolCall("get_weather_s1", "get_weather", "{\"city\":\"Oslo\"}"),
                  new CohereReply.ToolCall("get_time_s2", "get_time", "{\"city\":\"Oslo\"}")));
        }
      }
      HttpResponse<String> whole = chat(ask);
      HttpResponse<String> streamed =
          chat(
              ask.replace(
                  "{\"model\"",
                  "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\""));

      assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
      received();
      assertThat(received().json().path("stream").asBoolean()).isTrue();
      List<String> data = GatewayUnderTest.sseData(streamed.body());
      assertThat(data).last().isEqualTo("[DONE]");
      CrossProviderTranscriptTest.assertSameAnswer(
          StreamAssembly.assemble(data), StreamAssembly.of(json(whole)));
    }
  }

  @Test
  void embeddingsGoToV2EmbedAsTexts() throws InterruptedException {
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"embed-v4.0\",\"input\":[\"alpha beta\",\"gamma\"],\"dimensions\":4}",
            COHERE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = received().json();
    assertThat(sent.path("texts")).isEqualTo(WireJson.tree("[\"alpha beta\",\"gamma\"]"));
    assertThat(sent.path("input_type").asText()).isEqualTo("search_document");
    assertThat(sent.path("embedding_types")).isEqualTo(WireJson.tree("[\"float\"]"));
    assertThat(sent.path("output_dimension").asInt()).isEqualTo(4);
    JsonNode body = json(response);
    assertThat(body.path("object").asText()).isEqualTo("list");
    assertThat(body.path("data")).hasSize(2);
    assertThat(body.at("/data/1/index").asInt()).isEqualTo(1);
    assertThat(body.at("/data/0/embedding")).hasSize(4);
    assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void base64EmbeddingsAreLittleEndianFloats() {
    HttpResponse<String> floats =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"embed-v4.0\",\"input\":\"x\",\"input_type\":\"search_query\"}",
            COHERE);
    HttpResponse<String> base64 =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"embed-v4.0\",\"input\":\"x\",\"input_type\":\"search_query\","
                + "\"encoding_format\":\"base64\"}",
            COHERE);

    byte[] bytes = Base64.getDecoder().decode(json(base64).at("/data/0/embedding").asText());
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    JsonNode expected = json(floats).at("/data/0/embedding");
    assertThat(bytes.length).isEqualTo(expected.size() * 4);
    for (JsonNode value : expected) {
      assertThat(buffer.getFloat()).isEqualTo(value.floatValue());
    }
  }

  @Test
  void modelsAreListedInOpenAiShape() throws InterruptedException {
    HttpResponse<String> response = gateway.get("/v1/models", COHERE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(received().path()).isEqualTo("/v1/models");
    assertThat(json(response).at("/data/0/id").asText()).isEqualTo("command-a-03-2025");
    assertThat(json(response).at("/data/0/object").asText()).isEqualTo("model");
  }

  @Test
  void cohereErrorsComeBackInOpenAiShapeWithTheirStatus() {
    cohere.requireApiKey("right-key");
    HttpResponse<String> unauthorized =
        chat("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    cohere.requireApiKey(null);
    cohere.enqueue(Fault.status(429));
    HttpResponse<String> limited =
        chat("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(unauthorized.statusCode()).isEqualTo(401);
    assertThat(json(unauthorized).at("/error/message").asText()).contains("invalid api token");
    assertThat(unauthorized.body()).doesNotContain("co-key");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(json(limited).at("/error/message").asText()).contains("Trial key");
    assertThat(json(limited).path("error").has("code")).isTrue();
    // Cohere's errors have no type; OpenAI's schema requires one, so the status gives it.
    assertThat(json(unauthorized).at("/error/type").asText()).isEqualTo("authentication_error");
    assertThat(json(limited).at("/error/type").asText()).isEqualTo("rate_limit_error");
  }

  @Test
  void aRateLimitedCohereFallsBackToOpenAi() {
    cohere.enqueue(Fault.status(429));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[{"provider":"cohere","api_key":"co-key"},\
        {"provider":"openai","api_key":"sk-openai","override_params":{"model":"gpt-4o-mini"}}]}\
        """;

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"command-a-03-2025\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-config",
            config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(json(response).at("/choices/0/message/content").asText())
        .startsWith("Hello from the fake OpenAI");
  }

  @Test
  void aStreamCutBeforeMessageEndIsAnErrorNotACompleteAnswer() {
    cohere.enqueue(Fault.cutStreamAfter(3));

    HttpResponse<String> response =
        chat(
            "{\"model\":\"c\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two three four\"}]}");

    List<String> data = GatewayUnderTest.sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(data.getLast()).contains("error");
  }
}
