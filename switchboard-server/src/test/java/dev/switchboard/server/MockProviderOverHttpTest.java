package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The offline {@code mock} provider, as a newcomer meets it: over HTTP, with no key. */
class MockProviderOverHttpTest {
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayUnderTest.start(null);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  static final String HELLO =
      """
      {"model":"mock-chat","messages":[{"role":"user","content":"Hello there"}]}\
      """;

  @Test
  void answersAChatCompletionWithNoKey() {
    var response = gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-provider", "mock");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("mock");
    JsonNode body = json(response);
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.at("/choices/0/message/content").asText()).contains("Hello there");
    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(body.at("/usage/total_tokens").asInt()).isPositive();
  }

  @Test
  void aCountTheRequestControlsIsBoundedAsOpenAiBoundsIt() {
    // n up to 2^31-1 built a 247 MB answer in memory; dimensions likewise.
    for (String tooMany : new String[] {"2147483647", "129", "0", "-1"}) {
      var response =
          gateway.postJson(
              "/v1/chat/completions",
              HELLO.replace("}]}", "}],\"n\":" + tooMany + "}"),
              "x-portkey-provider",
              "mock");
      assertThat(response.statusCode()).as(tooMany).isEqualTo(400);
      assertThat(json(response).at("/error/param").asText()).isEqualTo("n");
    }
    var many =
        gateway.postJson(
            "/v1/chat/completions",
            HELLO.replace("}]}", "}],\"n\":128}"),
            "x-portkey-provider",
            "mock");
    assertThat(json(many).path("choices")).hasSize(128);
    var wide =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"mock-embed\",\"input\":\"hi\",\"dimensions\":2147483647}",
            "x-portkey-provider",
            "mock");
    assertThat(wide.statusCode()).isEqualTo(400);
    assertThat(json(wide).at("/error/param").asText()).isEqualTo("dimensions");
  }

  @Test
  void aChatWithoutMessagesIsRefusedAsOpenAiRefusesIt() {
    for (boolean stream : new boolean[] {false, true}) {
      var missing =
          gateway.postJson(
              "/v1/chat/completions",
              "{\"model\":\"mock-chat\",\"stream\":" + stream + "}",
              "x-portkey-provider",
              "mock");
      var empty =
          gateway.postJson(
              "/v1/chat/completions",
              "{\"model\":\"mock-chat\",\"messages\":[],\"stream\":" + stream + "}",
              "x-portkey-provider",
              "mock");

      assertThat(missing.statusCode()).as(missing.body()).isEqualTo(400);
      JsonNode error = json(missing).path("error");
      assertThat(error.path("message").asText())
          .isEqualTo("Missing required parameter: 'messages'.");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).isEqualTo("messages");
      assertThat(error.path("code").asText()).isEqualTo("missing_required_parameter");
      assertThat(empty.statusCode()).as(empty.body()).isEqualTo(400);
      assertThat(json(empty).at("/error/message").asText())
          .startsWith("Invalid 'messages': empty array.");
      assertThat(json(empty).at("/error/param").asText()).isEqualTo("messages");
      assertThat(json(empty).at("/error/code").asText()).isEqualTo("empty_array");
    }
  }

  @Test
  void isDeterministic() {
    var first = json(gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-provider", "mock"));
    var second =
        json(gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-provider", "mock"));

    assertThat(second.get("choices")).isEqualTo(first.get("choices"));
    assertThat(second.get("id")).isEqualTo(first.get("id"));
  }

  @Test
  void streamsChunksThatReassembleToTheNonStreamedReply() {
    String streamed =
        """
        {"model":"mock-chat","stream":true,"stream_options":{"include_usage":true},
         "messages":[{"role":"user","content":"Hello there"}]}\
        """;

    var whole = json(gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-provider", "mock"));
    var stream = gateway.postJson("/v1/chat/completions", streamed, "x-portkey-provider", "mock");

    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> data = sseData(stream.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    JsonNode usageChunk = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageChunk.get("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/total_tokens").asInt()).isPositive();
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(whole));
  }

  @Test
  void callsEveryOfferedToolInParallelWithArgumentsFromTheSchema() {
    String request =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"Weather in Paris and time?"}],
         "tools":[
          {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
            "properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}},
          {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}],
         "tool_choice":"auto"}\
        """;

    JsonNode body =
        json(gateway.postJson("/v1/chat/completions", request, "x-portkey-provider", "mock"));

    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(body.at("/choices/0/message/content").isNull()).isTrue();
    JsonNode calls = body.at("/choices/0/message/tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
    assertThat(WireJson.tree(calls.get(0).at("/function/arguments").asText()))
        .isEqualTo(WireJson.tree("{\"city\":\"mock\",\"days\":1}"));
    assertThat(calls.get(1).at("/function/name").asText()).isEqualTo("get_time");
  }

  @Test
  void streamsToolCallsWithIdAndNameOnTheFirstDeltaOfEachIndex() {
    String request =
        """
        {"model":"mock-chat","stream":true,"messages":[{"role":"user","content":"go"}],
         "tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object","properties":{}}}},
                  {"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{}}}}]}\
        """;

    List<String> data =
        sseData(
            gateway.postJson("/v1/chat/completions", request, "x-portkey-provider", "mock").body());

    List<JsonNode> fragments =
        data.stream()
            .filter(d -> !d.equals("[DONE]"))
            .map(WireJson::tree)
            .flatMap(chunk ->
                java.util.stream.StreamSupport.stream(
                    chunk.at("/choices/0/delta/tool_calls").spliterator(), false))
            .toList();
    assertThat(fragments).isNotEmpty();
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (JsonNode fragment : fragments) {
      boolean first = seen.add(fragment.get("index").asInt());
      assertThat(fragment.has("id")).isEqualTo(first);
      assertThat(fragment.at("/function/name").isTextual()).isEqualTo(first);
    }
    assertThat(seen).containsExactly(0, 1);
  }

  @Test
  void answersWithTheToolResultsAfterTheToolRan() {
    String request =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"Weather?"},
          {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"c1","content":"sunny"}],
         "tools":[{"type":"function","function":{"name":"w","parameters":{"type":"object","properties":{}}}}]}\
        """;

    JsonNode body =
        json(gateway.postJson("/v1/chat/completions", request, "x-portkey-provider", "mock"));

    assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(body.at("/choices/0/message/content").asText()).contains("sunny");
  }

  @Test
  void embedsDeterministicUnitVectorsAsFloatsOrBase64() {
    String floats = "{\"model\":\"mock-embedding\",\"input\":[\"a\",\"b\"],\"dimensions\":8}";
    String base64 =
        "{\"model\":\"mock-embedding\",\"input\":[\"a\",\"b\"],\"dimensions\":8,\"encoding_format\":\"base64\"}";

    JsonNode asFloats =
        json(gateway.postJson("/v1/embeddings", floats, "x-portkey-provider", "mock"));
    JsonNode asBase64 =
        json(gateway.postJson("/v1/embeddings", base64, "x-portkey-provider", "mock"));

    assertThat(asFloats.path("data")).hasSize(2);
    JsonNode vector = asFloats.at("/data/0/embedding");
    assertThat(vector).hasSize(8);
    double norm = 0;
    for (JsonNode v : vector) {
      norm += v.asDouble() * v.asDouble();
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    ByteBuffer bytes =
        ByteBuffer.wrap(Base64.getDecoder().decode(asBase64.at("/data/0/embedding").asText()))
            .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.getFloat(0)).isEqualTo((float) vector.get(0).asDouble());
    assertThat(asFloats.at("/data/1/embedding")).isNotEqualTo(vector);
  }

  @Test
  void listsItsModelsAndCompletesLegacyPrompts() {
    JsonNode models = json(gateway.get("/v1/models", "x-portkey-provider", "mock"));
    var completion =
        gateway.postJson(
            "/v1/completions",
            "{\"model\":\"mock-chat\",\"prompt\":\"Once upon\"}",
            "x-portkey-provider",
            "mock");
    var streamed =
        gateway.postJson(
            "/v1/completions",
            "{\"model\":\"mock-chat\",\"prompt\":\"Once upon\",\"stream\":true}",
            "x-portkey-provider",
            "mock");

    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data")).extracting(m -> m.path("id").asText()).contains("mock-chat");
    assertThat(json(completion).at("/choices/0/text").asText()).contains("Once upon");
    List<String> data = sseData(streamed.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    String text =
        data.stream()
            .filter(d -> !d.equals("[DONE]"))
            .map(d -> WireJson.tree(d).at("/choices/0/text").asText())
            .reduce("", String::concat);
    assertThat(text).isEqualTo(json(completion).at("/choices/0/text").asText());
  }

  static final String TWO_TOOLS =
      """
      "tools":[
       {"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
         "properties":{"city":{"type":"string"}}}}},
       {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
         "properties":{"zone":{"type":"string"}}}}}]\
      """;

  /** A config whose mock target scripts two turns, as docs/providers.md shows. */
  static final String SCRIPTED_CONFIG =
      """
      {"provider":"mock","override_params":{"mock_script":[
        {"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}},
                       {"name":"get_time","arguments":"{\\"zone\\":\\"CET\\"}"}]},
        {"content":"Sunny in Paris at 14:00."}]}}\
      """;

  @Test
  void followsAScriptFromTheConfigTurnByTurn() {
    String first =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"Weather and time in Paris?"}],
        """
            + TWO_TOOLS
            + "}";
    String second =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"Weather and time in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{}"}},
            {"id":"c2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"c1","content":"18C"},
          {"role":"tool","tool_call_id":"c2","content":"14:00"}],
        """
            + TWO_TOOLS
            + "}";

    JsonNode calls =
        json(gateway.postJson(
                "/v1/chat/completions", first, "x-portkey-config", oneLine(SCRIPTED_CONFIG)))
            .at("/choices/0/message/tool_calls");
    JsonNode answer =
        json(
            gateway.postJson(
                "/v1/chat/completions", second, "x-portkey-config", oneLine(SCRIPTED_CONFIG)));

    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
    assertThat(WireJson.tree(calls.get(0).at("/function/arguments").asText()))
        .isEqualTo(WireJson.tree("{\"city\":\"Paris\"}"));
    assertThat(calls.get(1).at("/function/name").asText()).isEqualTo("get_time");
    assertThat(calls.get(1).at("/function/arguments").asText()).isEqualTo("{\"zone\":\"CET\"}");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/choices/0/message/content").asText())
        .isEqualTo("Sunny in Paris at 14:00.");
  }

  @Test
  void refusesAScriptCallingAToolNotOfferedNamingTheField() {
    String config =
        """
        {"provider":"mock","override_params":{"mock_script":[
          {"tool_calls":[{"name":"launch_rocket","arguments":{}}]}]}}\
        """;
    String request =
        "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],"
            + TWO_TOOLS
            + "}";

    var response =
        gateway.postJson("/v1/chat/completions", request, "x-portkey-config", oneLine(config));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText())
        .contains("mock_script[0].tool_calls[0].name")
        .contains("launch_rocket");
  }

  @Test
  void refusesAScriptArgumentTheToolsSchemaDoesNotName() {
    String config =
        """
        {"provider":"mock","override_params":{"mock_script":[
          {"tool_calls":[{"name":"get_weather","arguments":{"town":"Paris"}}]}]}}\
        """;
    String request =
        "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}],"
            + TWO_TOOLS
            + "}";

    var response =
        gateway.postJson("/v1/chat/completions", request, "x-portkey-config", oneLine(config));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText())
        .contains("mock_script[0].tool_calls[0].arguments.town")
        .contains("[city]");
  }

  @Test
  void answersAJsonSchemaResponseFormatWithJsonTheSchemaAccepts() {
    String request =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"A city, please"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"City","strict":true,
          "schema":{"type":"object","additionalProperties":false,
           "required":["name","population","tags","mayor","size"],
           "properties":{"name":{"type":"string"},"population":{"type":"integer"},
            "tags":{"type":"array","items":{"type":"string"}},
            "mayor":{"$ref":"#/$defs/Person"},
            "size":{"type":"string","enum":["small","large"]}},
           "$defs":{"Person":{"type":"object","properties":{"name":{"type":"string"},
            "age":{"type":["integer","null"]}}}}}}}}\
        """;

    JsonNode body =
        json(gateway.postJson("/v1/chat/completions", request, "x-portkey-provider", "mock"));

    assertThat(WireJson.tree(body.at("/choices/0/message/content").asText()))
        .isEqualTo(
            WireJson.tree(
                """
                {"name":"mock","population":1,"tags":["mock"],
                 "mayor":{"name":"mock","age":1},"size":"small"}\
                """));
  }

  private static String oneLine(String json) {
    return WireJson.tree(json).toString();
  }
}
