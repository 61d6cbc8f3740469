package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The anthropic provider, OpenAI format in and out, in front of a faithful fake of Anthropic. */
class AnthropicProxyTest {
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;

  static final String[] ANTHROPIC = {
    "x-portkey-provider", "anthropic", "authorization", "Bearer sk-ant-client"
  };

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
    gateway = GatewayUnderTest.withProviders(Map.of("anthropic", anthropic.baseUrl()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    anthropic.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (anthropic.takeRequest(Duration.ofMillis(1)) != null) {
      // drain what earlier tests sent
    }
  }

  static HttpResponse<String> chat(String body, String... headers) {
    return gateway.postJson("/v1/chat/completions", body, headers);
  }

  static RecordedRequest upstream() throws InterruptedException {
    RecordedRequest request = anthropic.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static String streaming(String body) {
    return body.replaceFirst(
        "\\{", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},");
  }

  static final String CONVERSATION =
      """
      {"model":"claude-sonnet-4-5","messages":[
        {"role":"system","content":"Be brief."},
        {"role":"developer","content":[{"type":"text","text":"Answer in English."}]},
        {"role":"user","content":"Hi"},
        {"role":"assistant","content":"Hello!"},
        {"role":"user","content":"How are you?"}],
       "max_completion_tokens":64,"temperature":0.5,"top_p":0.9,"top_k":40,"stop":"END",
       "user":"user-7","seed":3}\
      """;

  @Test
  void translatesSystemPromptsTurnsAndSamplingFields() throws InterruptedException {
    var response = chat(CONVERSATION, ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                """
                {"model":"claude-sonnet-4-5",
                 "messages":[{"role":"user","content":"Hi"},
                             {"role":"assistant","content":[{"type":"text","text":"Hello!"}]},
                             {"role":"user","content":"How are you?"}],
                 "system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Answer in English."}],
                 "max_tokens":64,"temperature":0.5,"top_p":0.9,"top_k":40,"stop_sequences":["END"],
                 "metadata":{"user_id":"user-7"}}\
                """));
    JsonNode completion = json(response);
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("id").asText()).startsWith("msg_");
    assertThat(completion.has("provider")).as("OpenAI's schema has no provider key").isFalse();
    assertThat(completion.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(completion.at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake Anthropic. You said: How are you?");
    assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(10);
    assertThat(completion.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isZero();
  }

  @Test
  void sendsTheKeyAsXApiKeyWithTheDefaultVersionAndNoBeta() throws InterruptedException {
    anthropic.requireApiKey("sk-ant-client");
    try {
      assertThat(chat(CONVERSATION, ANTHROPIC).statusCode()).isEqualTo(200);
    } finally {
      anthropic.requireApiKey(null);
    }

    RecordedRequest sent = upstream();
    assertThat(sent.header("x-api-key")).isEqualTo("sk-ant-client");
    assertThat(sent.header("authorization")).isNull();
    assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(sent.header("anthropic-beta")).isNull();
  }

  @Test
  void defaultsMaxTokensWhichAnthropicRequires() throws InterruptedException {
    var response =
        chat(
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(WireJson.tree(upstream().body()).path("max_tokens").asInt()).isEqualTo(4096);
  }

  @Test
  void aShortMaxTokensEndsWithLength() {
    var response =
        chat(
            "{\"model\":\"claude\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            ANTHROPIC);

    assertThat(json(response).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the ");
  }

  @Test
  void imagesBecomeBase64AndUrlSources() throws InterruptedException {
    var response =
        chat(
            """
            {"model":"claude","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"high"}}]}]}\
            """,
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(WireJson.tree(upstream().body()).at("/messages/0/content"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"type":"text","text":"What is this?"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                 {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]\
                """));
  }

  static final String TOOLS =
      """
      {"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"Weather in Paris and Rome?"}],
       "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city",
                 "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]%s}\
      """;

  @Test
  void toolsAndEachToolChoiceTranslate() throws InterruptedException {
    Map<String, String> choices =
        Map.of(
            ",\"tool_choice\":\"auto\"", "{\"type\":\"auto\"}",
            ",\"tool_choice\":\"required\"", "{\"type\":\"any\"}",
            ",\"tool_choice\":\"none\"", "{\"type\":\"none\"}",
            ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}",
                "{\"type\":\"tool\",\"name\":\"get_weather\"}",
            ",\"parallel_tool_calls\":false",
                "{\"type\":\"auto\",\"disable_parallel_tool_use\":true}");
    for (var choice : choices.entrySet()) {
      assertThat(chat(TOOLS.formatted(choice.getKey()), ANTHROPIC).statusCode()).isEqualTo(200);
      JsonNode sent = WireJson.tree(upstream().body());
      assertThat(sent.get("tool_choice")).isEqualTo(WireJson.tree(choice.getValue()));
      assertThat(sent.get("tools"))
          .isEqualTo(
              WireJson.tree(
                  """
                  [{"name":"get_weather","description":"Weather in a city",
                    "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]\
                  """));
    }
  }

  static AnthropicReply twoWeatherCalls() {
    return AnthropicReply.builder()
        .thinking("Two cities, two calls.", "sig-abc")
        .text("Let me check.")
        .toolUse("toolu_paris", "get_weather", "{\"city\":\"Paris\"}")
        .toolUse("toolu_rome", "get_weather", "{\"city\":\"Rome\"}")
        .build();
  }

  @Test
  void parallelToolUseBecomesToolCallsWhetherStreamedOrNot() {
    anthropic.enqueue(twoWeatherCalls());
    anthropic.enqueue(twoWeatherCalls());
    JsonNode whole = json(chat(TOOLS.formatted(""), ANTHROPIC));
    var stream = chat(streaming(TOOLS.formatted("")), ANTHROPIC);

    assertThat(whole.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(whole.at("/choices/0/message/content").asText()).isEqualTo("Let me check.");
    assertThat(whole.at("/choices/0/message/tool_calls"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"id":"toolu_paris","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                 {"id":"toolu_rome","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]\
                """));
    assertThat(whole.at("/choices/0/message").has("content_blocks")).isFalse();
    List<String> data = sseData(stream.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(whole));
    Set<Integer> opened = new HashSet<>();
    for (String event : data.subList(0, data.size() - 1)) {
      for (JsonNode fragment : WireJson.tree(event).at("/choices/0/delta/tool_calls")) {
        boolean first = opened.add(fragment.get("index").asInt());
        assertThat(fragment.hasNonNull("id")).isEqualTo(first);
        assertThat(fragment.at("/function/name").isTextual()).isEqualTo(first);
      }
    }
    assertThat(opened).containsExactly(0, 1);
  }

  @Test
  void aStreamedAnswerReassembledEqualsTheWholeOneWithAUsageChunkLast() {
    JsonNode whole = json(chat(CONVERSATION, ANTHROPIC));
    var stream = chat(streaming(CONVERSATION), ANTHROPIC);

    List<String> data = sseData(stream.body());
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(whole));
    JsonNode usageChunk = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageChunk.path("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/total_tokens").asInt())
        .isEqualTo(whole.at("/usage/total_tokens").asInt());
    assertThat(WireJson.tree(data.getFirst()).at("/choices/0/delta/role").asText())
        .isEqualTo("assistant");
  }

  @Test
  void withoutIncludeUsageNoChunkCarriesUsage() {
    var stream = chat(CONVERSATION.replaceFirst("\\{", "{\"stream\":true,"), ANTHROPIC);

    List<String> data = sseData(stream.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(data.subList(0, data.size() - 1))
        .allSatisfy(event -> assertThat(WireJson.tree(event).has("usage")).isFalse());
  }

  @Test
  void cacheTokensMapAsPortkeyMapsThem() {
    AnthropicReply cached =
        AnthropicReply.builder().text("Cached answer.").usage(10, 5).cacheTokens(40, 2).build();
    anthropic.enqueue(cached);
    anthropic.enqueue(cached);
    JsonNode whole = json(chat(CONVERSATION, ANTHROPIC));
    List<String> data = sseData(chat(streaming(CONVERSATION), ANTHROPIC).body());

    JsonNode expected =
        WireJson.tree(
            """
            {"prompt_tokens":10,"completion_tokens":5,"total_tokens":57,
             "prompt_tokens_details":{"cached_tokens":40},
             "cache_read_input_tokens":40,"cache_creation_input_tokens":2}\
            """);
    assertThat(whole.get("usage")).isEqualTo(expected);
    assertThat(WireJson.tree(data.get(data.size() - 2)).get("usage")).isEqualTo(expected);
  }

  @Test
  void thinkingIsExposedAsContentBlocksWhenStrictComplianceIsOff() {
    anthropic.enqueue(twoWeatherCalls());
    anthropic.enqueue(twoWeatherCalls());
    String[] lenient = {
      "x-portkey-provider",
      "anthropic",
      "authorization",
      "Bearer k",
      "x-portkey-strict-open-ai-compliance",
      "false"
    };
    JsonNode whole = json(chat(TOOLS.formatted(""), lenient));
    List<String> data = sseData(chat(streaming(TOOLS.formatted("")), lenient).body());

    assertThat(whole.at("/choices/0/message/content_blocks"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"type":"thinking","thinking":"Two cities, two calls.","signature":"sig-abc"},
                 {"type":"text","text":"Let me check."}]\
                """));
    assertThat(whole.at("/choices/0/finish_reason").asText()).isEqualTo("tool_use");
    StringBuilder thinking = new StringBuilder();
    StringBuilder signature = new StringBuilder();
    for (String event : data.subList(0, data.size() - 1)) {
      for (JsonNode block : WireJson.tree(event).at("/choices/0/delta/content_blocks")) {
        thinking.append(block.at("/delta/thinking").asText(""));
        signature.append(block.at("/delta/signature").asText(""));
      }
    }
    assertThat(thinking).hasToString("Two cities, two calls.");
    assertThat(signature).hasToString("sig-abc");
  }

  @Test
  void anAgentConversationWithParallelToolResultsIsOneUserTurn() throws InterruptedException {
    var response =
        chat(
            """
            {"model":"claude","max_tokens":100,"messages":[
              {"role":"system","content":"You are a weather bot."},
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"toolu_paris","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                {"id":"toolu_rome","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
              {"role":"tool","tool_call_id":"toolu_paris","content":"18C and sunny"},
              {"role":"tool","tool_call_id":"toolu_rome","content":[{"type":"text","text":"12C and rainy"}]}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}\
            """,
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("Tool results: 18C and sunny; 12C and rainy");
    assertThat(json(response).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    JsonNode messages = WireJson.tree(upstream().body()).get("messages");
    assertThat(messages)
        .isEqualTo(
            WireJson.tree(
                """
                [{"role":"user","content":"Weather in Paris and Rome?"},
                 {"role":"assistant","content":[
                   {"type":"tool_use","id":"toolu_paris","name":"get_weather","input":{"city":"Paris"}},
                   {"type":"tool_use","id":"toolu_rome","name":"get_weather","input":{"city":"Rome"}}]},
                 {"role":"user","content":[
                   {"type":"tool_result","tool_use_id":"toolu_paris","content":"18C and sunny"},
                   {"type":"tool_result","tool_use_id":"toolu_rome","content":[{"type":"text","text":"12C and rainy"}]}]}]\
                """));
  }

  @Test
  void contentBlocksFromALenientAnswerGoBackWithTheirThinkingSignature()
      throws InterruptedException {
    var response =
        chat(
            """
            {"model":"claude","max_tokens":100,"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":"Let me check.","content_blocks":[
                {"type":"thinking","thinking":"One city.","signature":"sig-abc"},
                {"type":"text","text":"Let me check."}],
               "tool_calls":[{"id":"toolu_paris","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"toolu_paris","content":"18C"}]}\
            """,
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(WireJson.tree(upstream().body()).at("/messages/1/content"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"type":"thinking","thinking":"One city.","signature":"sig-abc"},
                 {"type":"text","text":"Let me check."},
                 {"type":"tool_use","id":"toolu_paris","name":"get_weather","input":{}}]\
                """));
  }

  @Test
  void pdfsAndFilesBecomeDocuments() throws InterruptedException {
    var response =
        chat(
            """
            {"model":"claude","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"image_url","image_url":{"url":"data:application/pdf;base64,JVBERi0x"}},
              {"type":"file","file":{"file_url":"https://example.com/report.pdf"}},
              {"type":"text","text":"Summarise."}]}]}\
            """,
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(WireJson.tree(upstream().body()).at("/messages/0/content"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}},
                 {"type":"document","source":{"type":"url","url":"https://example.com/report.pdf"}},
                 {"type":"text","text":"Summarise."}]\
                """));
  }

  @Test
  void anthropicErrorsKeepTheirStatusTypeAndMessage() {
    anthropic.enqueue(Fault.status(529));
    anthropic.enqueue(Fault.status(429).withHeader("retry-after", "7"));
    var overloaded = chat(CONVERSATION, ANTHROPIC);
    var limited = chat(CONVERSATION, ANTHROPIC);

    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(json(overloaded).at("/error/type").asText()).isEqualTo("overloaded_error");
    assertThat(json(overloaded).at("/error/message").asText())
        .isEqualTo("anthropic error: Overloaded");
    assertThat(json(overloaded).path("provider").asText()).isEqualTo("anthropic");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(json(limited).at("/error/type").asText()).isEqualTo("rate_limit_error");
    assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
  }

  @Test
  void anInvalidRequestIsAnthropics400() {
    var response =
        chat(
            """
            {"model":"claude","messages":[{"role":"user","content":"hi"}],"temperature":1.5}\
            """,
            ANTHROPIC);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(json(response).at("/error/message").asText()).contains("temperature");
  }

  @Test
  void aMidStreamErrorEventEndsTheStreamWithAnErrorAndNoDone() {
    anthropic.enqueue(Fault.streamError(4, 529));
    var stream = chat(streaming(CONVERSATION), ANTHROPIC);

    assertThat(stream.statusCode()).isEqualTo(200);
    List<String> data = sseData(stream.body());
    assertThat(data).doesNotContain("[DONE]");
    JsonNode last = WireJson.tree(data.getLast());
    assertThat(last.at("/error/type").asText()).isEqualTo("overloaded_error");
  }

  @Test
  void anErrorEventBeforeAnyChunkIsAnErrorStatus() {
    anthropic.enqueue(Fault.streamError(0, 529));
    var stream = chat(streaming(CONVERSATION), ANTHROPIC);

    assertThat(stream.statusCode()).isEqualTo(529);
    assertThat(json(stream).at("/error/type").asText()).isEqualTo("overloaded_error");
  }

  @Test
  void aStreamCutBeforeMessageStopIsAFailureNotAnAnswer() {
    anthropic.enqueue(Fault.cutStreamAfter(5));
    var stream = chat(streaming(CONVERSATION), ANTHROPIC);

    List<String> data = sseData(stream.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(WireJson.tree(data.getLast()).at("/error/type").asText())
        .isEqualTo("upstream_error");
  }

  @Test
  void fallsBackToTheSecondTargetOn529() throws InterruptedException {
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"anthropic","api_key":"sk-first"},
          {"provider":"anthropic","api_key":"sk-second"}]}\
        """;
    anthropic.enqueue(Fault.status(529));

    var response = chat(CONVERSATION, "x-portkey-config", config.replace("\n", ""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(upstream().header("x-api-key")).isEqualTo("sk-first");
    assertThat(upstream().header("x-api-key")).isEqualTo("sk-second");
  }

  @Test
  void anthropicVersionAndBetaComeFromHeadersOrTheConfigTarget() throws InterruptedException {
    chat(
        CONVERSATION,
        "x-portkey-provider",
        "anthropic",
        "authorization",
        "Bearer k",
        "x-portkey-anthropic-version",
        "2024-10-22",
        "x-portkey-anthropic-beta",
        "prompt-caching-2024-07-31");
    RecordedRequest fromHeaders = upstream();
    chat(
        CONVERSATION,
        "x-portkey-config",
        """
        {"provider":"anthropic","api_key":"k","anthropic_version":"2025-01-01","anthropicBeta":"beta-x"}\
        """);
    RecordedRequest fromConfig = upstream();

    assertThat(fromHeaders.header("anthropic-version")).isEqualTo("2024-10-22");
    assertThat(fromHeaders.header("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
    assertThat(fromConfig.header("anthropic-version")).isEqualTo("2025-01-01");
    assertThat(fromConfig.header("anthropic-beta")).isEqualTo("beta-x");
  }
}
