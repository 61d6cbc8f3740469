package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.FakeGemini;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.GeminiReply;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The google provider, OpenAI format in and out, in front of a faithful fake of Gemini's API. */
class GoogleProxyTest {
  static FakeGemini gemini;
  static GatewayUnderTest gateway;

  static final String[] GOOGLE = {
    "x-portkey-provider", "google", "authorization", "Bearer " + FakeGemini.DEFAULT_API_KEY
  };

  @BeforeAll
  static void start() {
    gemini = FakeGemini.start();
    gateway = GatewayUnderTest.withProviders(Map.of("google", gemini.origin()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    gemini.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (gemini.takeRequest(Duration.ofMillis(1)) != null) {
      // drain what earlier tests sent
    }
  }

  static HttpResponse<String> chat(String body, String... headers) {
    return gateway.postJson("/v1/chat/completions", body, headers);
  }

  static RecordedRequest upstream() throws InterruptedException {
    RecordedRequest request = gemini.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static String streaming(String body) {
    return body.replaceFirst(
        "\\{", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},");
  }

  static final String CONVERSATION =
      """
      {"model":"gemini-2.5-flash","messages":[
        {"role":"system","content":"Be brief."},
        {"role":"developer","content":[{"type":"text","text":"Answer in English."}]},
        {"role":"user","content":"Hi"},
        {"role":"assistant","content":"Hello!"},
        {"role":"user","content":"How are you?"},
        {"role":"user","content":[{"type":"text","text":"Tell me."}]}],
       "max_tokens":32,"max_completion_tokens":64,"temperature":0.5,"top_p":0.9,"top_k":40,
       "stop":"END","seed":3}\
      """;

  @Test
  void translatesSystemInstructionTurnsAndGenerationConfig() throws InterruptedException {
    var response = chat(CONVERSATION, GOOGLE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
    assertThat(sent.query()).isNull();
    assertThat(sent.header("x-goog-api-key")).isEqualTo(FakeGemini.DEFAULT_API_KEY);
    assertThat(sent.header("authorization")).isNull();
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                """
                {"contents":[{"role":"user","parts":[{"text":"Hi"}]},
                             {"role":"model","parts":[{"text":"Hello!"}]},
                             {"role":"user","parts":[{"text":"How are you?"},{"text":"Tell me."}]}],
                 "systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Answer in English."}]},
                 "generationConfig":{"temperature":0.5,"topP":0.9,"topK":40,"maxOutputTokens":64,
                                     "stopSequences":["END"],"seed":3}}\
                """));
    JsonNode completion = json(response);
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("model").asText()).isEqualTo("gemini-2.5-flash");
    assertThat(completion.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(completion.at("/choices/0/message/content").asText())
        .isEqualTo("Hello from Gemini. You said: How are you? Tell me.");
    assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(completion.at("/usage/prompt_tokens").asInt()).isPositive();
    assertThat(completion.at("/usage/total_tokens").asInt())
        .isEqualTo(
            completion.at("/usage/prompt_tokens").asInt()
                + completion.at("/usage/completion_tokens").asInt());
  }

  @Test
  void sendsImagesInlineOrByUri() throws InterruptedException {
    String body =
        """
        {"model":"gemini-2.5-flash","messages":[{"role":"user","content":[
          {"type":"text","text":"Compare"},
          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
          {"type":"image_url","image_url":{"url":"https://example.com/cat.webp"}},
          {"type":"image_url","image_url":{"url":"gs://bucket/doc.pdf"}}]}]}\
        """;

    assertThat(chat(body, GOOGLE).statusCode()).isEqualTo(200);

    assertThat(WireJson.tree(upstream().body()).at("/contents/0/parts"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"text":"Compare"},
                 {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
                 {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/cat.webp"}},
                 {"fileData":{"mimeType":"application/pdf","fileUri":"gs://bucket/doc.pdf"}}]\
                """));
  }

  static final String TOOLS =
      """
      "tools":[
        {"type":"function","function":{"name":"get_weather","description":"Weather in a city",
         "strict":true,
         "parameters":{"type":"object","$schema":"http://json-schema.org/draft-07/schema#",
           "properties":{"city":{"type":"string"},
                         "unit":{"anyOf":[{"type":"string","enum":["C","F"]},{"type":"null"}]}},
           "required":["city"],"additionalProperties":false}}},
        {"type":"function","function":{"name":"get_time","parameters":{"type":"object",
           "properties":{"city":{"type":"string"}}}}}]\
      """;

  @Test
  void parallelFunctionCallsGetStableDistinctIdsAndTheirResultsGoBackByName()
      throws InterruptedException {
    String ask =
        "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Paris?\"}],"
            + TOOLS
            + ",\"tool_choice\":\"required\"}";
    gemini.enqueue(
        GeminiReply.builder()
            .functionCall("get_weather", "{\"city\":\"Paris\"}")
            .functionCall("get_time", "{\"city\":\"Paris\"}")
            .build());

    var response = chat(ask, GOOGLE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = WireJson.tree(upstream().body());
    assertThat(sent.path("tools"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"functionDeclarations":[
                  {"name":"get_weather","description":"Weather in a city",
                   "parameters":{"type":"object",
                     "properties":{"city":{"type":"string"},
                                   "unit":{"type":"string","enum":["C","F"],"nullable":true}},
                     "required":["city"]}},
                  {"name":"get_time","parameters":{"type":"object",
                     "properties":{"city":{"type":"string"}}}}]}]\
                """));
    assertThat(sent.path("toolConfig"))
        .isEqualTo(WireJson.tree("{\"functionCallingConfig\":{\"mode\":\"ANY\"}}"));
    JsonNode message = json(response).at("/choices/0/message");
    assertThat(json(response).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(message.path("content").isNull()).isTrue();
    JsonNode calls = message.path("tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.at("/0/function/name").asText()).isEqualTo("get_weather");
    assertThat(calls.at("/0/function/arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(calls.at("/1/function/name").asText()).isEqualTo("get_time");
    String first = calls.at("/0/id").asText();
    String second = calls.at("/1/id").asText();
    assertThat(first).startsWith("portkey-").isNotEqualTo(second);

    // The same answer again gives the same ids: they derive from the call, not from chance.
    gemini.enqueue(
        GeminiReply.builder()
            .functionCall("get_weather", "{\"city\":\"Paris\"}")
            .functionCall("get_time", "{\"city\":\"Paris\"}")
            .build());
    JsonNode again = json(chat(ask, GOOGLE)).at("/choices/0/message/tool_calls");
    upstream();
    assertThat(again.at("/0/id").asText()).isEqualTo(first);
    assertThat(again.at("/1/id").asText()).isEqualTo(second);

    ObjectNode next = (ObjectNode) WireJson.tree(ask);
    next.withArray("messages").add(message);
    next.withArray("messages")
        .addObject()
        .put("role", "tool")
        .put("tool_call_id", second)
        .put("content", "14:05");
    next.withArray("messages")
        .addObject()
        .put("role", "tool")
        .put("tool_call_id", first)
        .put("content", "18C");
    next.remove("tool_choice");
    var answer = chat(WireJson.writeString(next), GOOGLE);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode contents = WireJson.tree(upstream().body()).path("contents");
    assertThat(contents).hasSize(3);
    assertThat(contents.at("/1"))
        .isEqualTo(
            WireJson.tree(
                """
                {"role":"model","parts":[
                  {"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},
                  {"functionCall":{"name":"get_time","args":{"city":"Paris"}}}]}\
                """));
    assertThat(contents.at("/2"))
        .isEqualTo(
            WireJson.tree(
                """
                {"role":"user","parts":[
                  {"functionResponse":{"name":"get_time","response":{"output":"14:05"}}},
                  {"functionResponse":{"name":"get_weather","response":{"output":"18C"}}}]}\
                """));
    assertThat(json(answer).at("/choices/0/message/content").asText())
        .isEqualTo("Tool results received: 14:05; 18C");
  }

  @Test
  void toolChoiceMapsToFunctionCallingConfig() throws InterruptedException {
    for (var choice :
        List.of(
            Map.entry("\"auto\"", "{\"functionCallingConfig\":{\"mode\":\"AUTO\"}}"),
            Map.entry("\"none\"", "{\"functionCallingConfig\":{\"mode\":\"NONE\"}}"),
            Map.entry(
                "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}",
                "{\"functionCallingConfig\":{\"mode\":\"ANY\","
                    + "\"allowedFunctionNames\":[\"get_time\"]}}"))) {
      String ask =
          "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
              + TOOLS
              + ",\"tool_choice\":"
              + choice.getKey()
              + "}";
      var response = chat(ask, GOOGLE);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(WireJson.tree(upstream().body()).path("toolConfig"))
          .isEqualTo(WireJson.tree(choice.getValue()));
    }
  }

  @Test
  void aStreamedAnswerReassemblesToTheWholeOne() {
    String ask =
        "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Paris?\"}],"
            + TOOLS
            + "}";
    GeminiReply reply =
        GeminiReply.builder()
            .text("Let me look that up for you right away.")
            .functionCall("get_weather", "{\"city\":\"Paris\"}")
            .functionCall("get_time", "{\"city\":\"Paris\"}")
            .build();
    gemini.enqueue(reply);
    JsonNode whole = json(chat(ask, GOOGLE));
    gemini.enqueue(reply);
    var streamed = chat(streaming(ask), GOOGLE);

    assertThat(streamed.statusCode()).isEqualTo(200);
    List<String> data = GatewayUnderTest.sseData(streamed.body());
    assertThat(data).last().isEqualTo("[DONE]");
    ObjectNode assembled = StreamAssembly.assemble(data);
    ObjectNode expected = StreamAssembly.of(whole);
    assertThat(assembled.get("message")).isEqualTo(expected.get("message"));
    assertThat(assembled.get("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(assembled.path("usage")).isEqualTo(expected.path("usage"));
    // Each call opens on its own index with its id and name.
    List<JsonNode> toolDeltas =
        data.stream()
            .filter(d -> !d.equals("[DONE]"))
            .map(WireJson::tree)
            .filter(chunk -> chunk.at("/choices/0/delta/tool_calls").isArray())
            .toList();
    assertThat(toolDeltas).hasSize(2);
    assertThat(toolDeltas.get(0).at("/choices/0/delta/tool_calls/0/index").asInt()).isZero();
    assertThat(toolDeltas.get(1).at("/choices/0/delta/tool_calls/0/index").asInt()).isOne();
    assertThat(toolDeltas.get(1).at("/choices/0/delta/tool_calls/0/function/name").asText())
        .isEqualTo("get_time");
  }

  @Test
  void streamsOverServerSentEventsWithAltSse() throws InterruptedException {
    var response = chat(streaming(CONVERSATION), GOOGLE);

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
    assertThat(sent.query()).isEqualTo("alt=sse");
    ObjectNode assembled = StreamAssembly.assemble(GatewayUnderTest.sseData(response.body()));
    assertThat(assembled.at("/message/content").asText())
        .isEqualTo("Hello from Gemini. You said: How are you? Tell me.");
    assertThat(assembled.at("/usage/completion_tokens").asInt()).isPositive();
  }

  @Test
  void aBlockedPromptIsAContentFilterFinish() {
    String ask =
        "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"bad\"}]}";
    gemini.enqueue(GeminiReply.blocked("SAFETY"));
    JsonNode whole = json(chat(ask, GOOGLE));
    gemini.enqueue(GeminiReply.blocked("PROHIBITED_CONTENT"));
    var streamed = chat(streaming(ask), GOOGLE);

    assertThat(whole.at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
    assertThat(whole.at("/choices/0/message/content").isNull()).isTrue();
    assertThat(streamed.statusCode()).isEqualTo(200);
    ObjectNode assembled = StreamAssembly.assemble(GatewayUnderTest.sseData(streamed.body()));
    assertThat(assembled.get("finish_reason").asText()).isEqualTo("content_filter");
  }

  @Test
  void finishReasonsMapAsPortkeyMapsThem() {
    for (var reason :
        List.of(
            Map.entry("SAFETY", "content_filter"),
            Map.entry("MAX_TOKENS", "length"),
            Map.entry("RECITATION", "stop"),
            Map.entry("SPII", "content_filter"))) {
      gemini.enqueue(GeminiReply.builder().text("Partial").finishReason(reason.getKey()).build());
      JsonNode answer =
          json(
              chat(
                  "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                  GOOGLE));
      assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo(reason.getValue());
    }
  }

  @Test
  void usageKeepsCachedAndThoughtTokens() {
    gemini.enqueue(
        GeminiReply.builder().thought("Thinking hard.").text("42").usage(100, 5, 30, 60).build());

    JsonNode usage =
        json(chat(
                "{\"model\":\"gemini-2.5-pro\",\"messages\":[{\"role\":\"user\",\"content\":\"?\"}]}",
                GOOGLE))
            .path("usage");

    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(100);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(5);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(135);
    assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(60);
    assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt()).isEqualTo(30);
  }

  @Test
  void thoughtsShowOnlyWithStrictComplianceOff() {
    String ask =
        "{\"model\":\"gemini-2.5-pro\",\"messages\":[{\"role\":\"user\",\"content\":\"?\"}]}";
    gemini.enqueue(GeminiReply.builder().thought("Hmm.").text("42").build());
    JsonNode strict = json(chat(ask, GOOGLE)).at("/choices/0/message");
    gemini.enqueue(GeminiReply.builder().thought("Hmm.").text("42").build());
    JsonNode loose =
        json(chat(
                ask,
                "x-portkey-provider",
                "google",
                "authorization",
                "Bearer " + FakeGemini.DEFAULT_API_KEY,
                "x-portkey-strict-open-ai-compliance",
                "false"))
            .at("/choices/0/message");

    assertThat(strict.path("content").asText()).isEqualTo("42");
    assertThat(strict.has("content_blocks")).isFalse();
    assertThat(loose.path("content_blocks"))
        .isEqualTo(
            WireJson.tree(
                "[{\"type\":\"thinking\",\"thinking\":\"Hmm.\"},{\"type\":\"text\",\"text\":\"42\"}]"));
  }

  @Test
  void jsonSchemaBecomesResponseSchema() throws InterruptedException {
    String ask =
        """
        {"model":"gemini-2.5-flash","messages":[{"role":"user","content":"A city"}],
         "response_format":{"type":"json_schema","json_schema":{"name":"city","strict":true,
           "schema":{"type":"object","properties":{"name":{"type":"string"},
             "country":{"$ref":"#/$defs/country"}},"required":["name"],
             "additionalProperties":false,
             "$defs":{"country":{"type":"string","description":"ISO code"}}}}}}\
        """;

    var response = chat(ask, GOOGLE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(WireJson.tree(upstream().body()).path("generationConfig"))
        .isEqualTo(
            WireJson.tree(
                """
                {"responseMimeType":"application/json",
                 "responseSchema":{"type":"object","properties":{"name":{"type":"string"},
                   "country":{"type":"string","description":"ISO code"}},"required":["name"]}}\
                """));
  }

  @Test
  void googlesErrorKeepsItsStatusAndMessage() {
    gemini.enqueue(Fault.status(429));

    var response = chat(CONVERSATION, GOOGLE);

    assertThat(response.statusCode()).isEqualTo(429);
    JsonNode error = json(response).path("error");
    assertThat(error.path("message").asText())
        .contains("Resource has been exhausted (e.g. check quota).");
    assertThat(error.path("type").asText()).isEqualTo("RESOURCE_EXHAUSTED");
  }

  @Test
  void aWrongKeyIsGooglesInvalidArgument() {
    var response =
        chat(CONVERSATION, "x-portkey-provider", "google", "authorization", "Bearer AIzaWrong");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText())
        .contains("API key not valid. Please pass a valid API key.");
  }

  @Test
  void aThrottledGeminiFallsBackInAConfig() {
    gemini.enqueue(Fault.status(429));
    String config =
        "{\"strategy\":{\"mode\":\"fallback\",\"on_status_codes\":[429]},\"targets\":["
            + "{\"provider\":\"google\",\"api_key\":\""
            + FakeGemini.DEFAULT_API_KEY
            + "\"},{\"provider\":\"mock\"}]}";

    var response =
        gateway.postJson("/v1/chat/completions", CONVERSATION, "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText()).startsWith("Mock reply.");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("mock");
  }

  @Test
  void aStreamCutShortIsAnErrorNotAnAnswer() {
    gemini.enqueue(Fault.cutStreamAfter(1));

    var response = chat(streaming(CONVERSATION), GOOGLE);

    List<String> data = GatewayUnderTest.sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
  }

  @Test
  void anErrorBeforeTheFirstEventKeepsItsStatus() {
    gemini.enqueue(Fault.streamError(0, 503));

    var response = chat(streaming(CONVERSATION), GOOGLE);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("UNAVAILABLE");
  }

  @Test
  void anErrorMidStreamEndsItWithAnErrorEventAndNoDone() {
    gemini.enqueue(Fault.streamError(1, 503));

    var response = chat(streaming(CONVERSATION), GOOGLE);

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = GatewayUnderTest.sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(WireJson.tree(data.getLast()).path("error").isObject()).isTrue();
  }

  @Test
  void embedsOneInputOrSeveral() throws InterruptedException {
    var one =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"gemini-embedding-001\",\"input\":\"hello\",\"dimensions\":4}",
            GOOGLE);
    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-embedding-001:embedContent");
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                "{\"content\":{\"parts\":[{\"text\":\"hello\"}]},\"outputDimensionality\":4}"));
    assertThat(json(one).at("/data/0/embedding")).hasSize(4);

    var many =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"gemini-embedding-001\",\"input\":[\"a\",\"b\",\"c\"]}",
            GOOGLE);
    assertThat(many.statusCode()).as(many.body()).isEqualTo(200);
    assertThat(upstream().path())
        .isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    JsonNode data = json(many).path("data");
    assertThat(data).hasSize(3);
    assertThat(data.at("/2/index").asInt()).isEqualTo(2);
    assertThat(data.at("/0/embedding")).isNotEqualTo(data.at("/1/embedding"));
  }

  @Test
  void listsGooglesModels() {
    var response = gateway.get("/v1/models", GOOGLE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).path("data").findValuesAsText("id"))
        .contains("gemini-2.5-flash", "gemini-embedding-001");
  }
}
