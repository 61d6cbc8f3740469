package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.server.AnthropicMessagesTest.Event;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/messages} and {@code count_tokens} for a provider that does not speak them (OpenAI's
 * fake, and {@code mock}), through HTTP: what is sent to the provider, what is left out and said
 * so, and each of the gateway's features once on the route: retries, a fallback from Anthropic
 * (native) to OpenAI (translated), a cache hit, a guardrail's denial, the cost of whole and
 * streamed answers, a 400 that names the field.
 */
class MessagesOverChatTest {
  static final String MESSAGE =
      """
      {"model":"gpt-4o-mini","max_tokens":64,
       "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
       "metadata":{"user_id":"user-7"},"stop_sequences":["END"],"temperature":0.2,
       "messages":[{"role":"user","content":[{"type":"text","text":"Hello there","cache_control":{"type":"ephemeral"}}]}]}\
      """;

  FakeOpenAi openai;
  FakeAnthropic anthropic;
  ManualTime time;
  GatewayUnderTest gateway;
  final List<RequestRecord> records = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    time = new ManualTime();
    gateway =
        GatewayUnderTest.withEngine(
            dev.switchboard.engine.GatewaySettings.builder()
                .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                .build(),
            engine ->
                engine
                    .clock(time)
                    .sleeper(time)
                    .random(new SplittableRandom(7))
                    .recordSink(records::add));
  }

  @AfterEach
  void stop() {
    gateway.close();
    anthropic.close();
    openai.close();
  }

  static final String[] OPENAI = {
    "x-portkey-provider",
    "openai",
    "authorization",
    "Bearer sk-test",
    "anthropic-version",
    "2023-06-01"
  };

  HttpResponse<String> messages(String body, String... headers) {
    return gateway.postJson("/v1/messages", body, headers);
  }

  RecordedRequest lastOpenAiRequest() {
    assertThat(openai.requests()).isNotEmpty();
    return openai.requests().getLast();
  }

  @Test
  void sendsTheChatRequestThatAsksTheSameAndAnswersAnthropicsMessage() {
    HttpResponse<String> response = messages(MESSAGE, OPENAI);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = lastOpenAiRequest();
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                """
                {"model":"gpt-4o-mini","messages":[
                   {"role":"system","content":"Be brief."},
                   {"role":"user","content":"Hello there"}],
                 "max_completion_tokens":64,"temperature":0.2,"stop":["END"],"user":"user-7"}
                """));
    JsonNode message = json(response);
    assertThat(message.path("id").asText()).startsWith("msg_");
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("model").asText()).startsWith("gpt-4o-mini");
    assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
    assertThat(message.at("/content/0/text").asText()).isNotEmpty();
    assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(message.path("stop_sequence").isNull()).isTrue();
    assertThat(message.at("/usage/input_tokens").asInt()).isPositive();
    assertThat(message.at("/usage/output_tokens").asInt()).isPositive();
    assertThat(message.at("/usage/cache_read_input_tokens").asInt()).isZero();
    assertThat(message.at("/usage/cache_creation_input_tokens").asInt()).isZero();
    assertThat(response.headers().firstValue("x-switchboard-dropped")).isEmpty();
  }

  @Test
  void dropsSignedThinkingAndSaysSoAndSendsNoAnthropicHeaderToOpenAi() {
    String withThinking =
        """
        {"model":"gpt-4o-mini","max_tokens":64,"messages":[
          {"role":"user","content":"What is 2+2?"},
          {"role":"assistant","content":[
            {"type":"thinking","thinking":"Simple sum.","signature":"EqQBCkYIBxgC"},
            {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix"},
            {"type":"text","text":"4"}]},
          {"role":"user","content":"And 3+3?"}]}\
        """;

    HttpResponse<String> response =
        messages(
            withThinking,
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-test",
            "anthropic-beta",
            "interleaved-thinking-2025-05-14");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-dropped"))
        .hasValue("thinking, redacted_thinking");
    RecordedRequest sent = lastOpenAiRequest();
    assertThat(sent.json().path("messages").get(1))
        .isEqualTo(WireJson.tree("{\"role\":\"assistant\",\"content\":\"4\"}"));
    assertThat(sent.header("anthropic-beta")).isNull();
    assertThat(sent.header("anthropic-version")).isNull();
  }

  /** The shape of Claude Code 2.1.328's second turn (see /work/notes/clients-findings.md). */
  @Test
  void takesWhatClaudeCodeSends() {
    String claudeCode =
        """
        {"model":"claude-opus-5-5","max_tokens":128000,"stream":false,
         "metadata":{"user_id":"{\\"device_id\\":\\"d1\\",\\"session_id\\":\\"s1\\"}"},
         "thinking":{"type":"adaptive","display":"omitted"},
         "context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},
         "output_config":{"effort":"medium"},
         "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.328;"},
                   {"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],
         "messages":[
           {"role":"user","content":[{"type":"text","text":"<system-reminder>r</system-reminder>"},
                                     {"type":"text","text":"read notes.txt"}]},
           {"role":"system","content":"Environment: /tmp/work"},
           {"role":"assistant","content":[
             {"type":"thinking","thinking":"I will read it.","signature":"EqQBCkYIBxgC"},
             {"type":"tool_use","id":"toolu_01Read","name":"Read","input":{"file_path":"/tmp/work/notes.txt"}}]},
           {"role":"user","content":[
             {"type":"tool_result","tool_use_id":"toolu_01Read","content":"1\\tpelican feathers\\n",
              "is_error":false,"cache_control":{"type":"ephemeral"}}]}],
         "tools":[
           {"name":"Read","description":"Reads a file","input_schema":
             {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
              "properties":{"file_path":{"type":"string"}},"required":["file_path"],
              "additionalProperties":false}},
           {"name":"DeferredToolPlaceholder","description":"Deferred","defer_loading":true,
            "input_schema":{"type":"object","properties":{}}}]}\
        """;

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages?beta=true",
            claudeCode,
            "x-portkey-provider",
            "openai",
            "x-api-key",
            "sk-ant-ignored",
            "authorization",
            "Bearer sk-test",
            "anthropic-beta",
            "claude-code-20250219,interleaved-thinking-2025-05-14");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-switchboard-dropped"))
        .hasValue("thinking, output_config, context_management");
    JsonNode sent = WireJson.tree(lastOpenAiRequest().body());
    assertThat(sent.path("messages"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"role":"system","content":"x-anthropic-billing-header: cc_version=2.1.328;\\n\\nYou are Claude Code."},
                 {"role":"user","content":[{"type":"text","text":"<system-reminder>r</system-reminder>"},
                                           {"type":"text","text":"read notes.txt"}]},
                 {"role":"system","content":"Environment: /tmp/work"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_01Read","type":"function",
                   "function":{"name":"Read","arguments":"{\\"file_path\\":\\"/tmp/work/notes.txt\\"}"}}]},
                 {"role":"tool","tool_call_id":"toolu_01Read","content":"1\\tpelican feathers\\n"}]
                """));
    assertThat(sent.path("tools")).hasSize(2);
    assertThat(sent.has("reasoning_effort")).as("gpt-4o-mini is no reasoning model").isFalse();
    assertThat(json(response).path("type").asText()).isEqualTo("message");
  }

  @Test
  void aBadBlockIs400NamingItsField() {
    String bad =
        """
        {"model":"gpt-4o-mini","max_tokens":64,"messages":[
          {"role":"user","content":[{"type":"text","text":"hi"},{"type":"hologram"}]}]}\
        """;

    HttpResponse<String> response = messages(bad, OPENAI);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response);
    assertThat(error.at("/error/param").asText()).isEqualTo("messages[0].content[1].type");
    assertThat(error.at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("type").asText()).as("Anthropic's error shape").isEqualTo("error");
    assertThat(openai.requests()).isEmpty();

    HttpResponse<String> noMaxTokens =
        messages("{\"model\":\"gpt-4o-mini\",\"messages\":[]}", OPENAI);
    assertThat(noMaxTokens.statusCode()).isEqualTo(400);
    assertThat(json(noMaxTokens).at("/error/param").asText()).isEqualTo("max_tokens");
  }

  @Test
  void mockAnswersWithToolUseWholeAndStreamed() {
    String withTools =
        """
        {"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Read it"}],
         "tools":[{"name":"read_file","description":"Reads a file","input_schema":
           {"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}]}\
        """;

    HttpResponse<String> whole = messages(withTools, "x-portkey-provider", "mock");
    HttpResponse<String> streamed =
        messages(
            withTools.replace("\"max_tokens\"", "\"stream\":true,\"max_tokens\""),
            "x-portkey-provider",
            "mock");

    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    JsonNode message = json(whole);
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(message.at("/content/0/type").asText()).isEqualTo("tool_use");
    assertThat(message.at("/content/0/id").asText()).startsWith("toolu_");
    assertThat(message.at("/content/0/name").asText()).isEqualTo("read_file");
    assertThat(message.at("/content/0/input/path").isTextual()).isTrue();
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type").orElseThrow())
        .startsWith("text/event-stream");
    List<Event> events = AnthropicMessagesTest.events(streamed.body());
    JsonNode assembled = MessagesOverProvidersTest.assemble(events);
    assertThat(MessagesOverProvidersTest.withoutIds(assembled.get("content")))
        .isEqualTo(MessagesOverProvidersTest.withoutIds(message.get("content")));
    assertThat(events.stream().map(Event::name).distinct())
        .containsExactly(
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
  }

  @Test
  void countTokensEstimatesForAProviderWithoutIt() {
    String count =
        """
        {"model":"gpt-4o-mini","system":"Be brief.",
         "messages":[{"role":"user","content":"Hello there, how are you today?"}]}\
        """;

    HttpResponse<String> response = gateway.postJson("/v1/messages/count_tokens", count, OPENAI);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode answer = json(response);
    assertThat(answer.fieldNames()).toIterable().containsExactly("input_tokens");
    // o200k_base: "Be brief." is 3 tokens, the question 8; 3 a message and 3 for the reply.
    assertThat(answer.path("input_tokens").asInt()).isEqualTo(3 + 8 + 3 + 3 + 3);
    assertThat(openai.requests()).as("no upstream call").isEmpty();
  }

  @Test
  void retriesATranslatedCall() {
    openai.enqueue(Fault.status(503));
    String config = "{\"retry\":{\"attempts\":2},\"provider\":\"openai\",\"api_key\":\"sk-test\"}";

    HttpResponse<String> response = messages(MESSAGE, "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
    assertThat(json(response).path("type").asText()).isEqualTo("message");
  }

  @Test
  void fallsBackFromAnthropicNativeToOpenAiTranslated() {
    anthropic.enqueue(Fault.status(529));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"anthropic","api_key":"sk-ant-test","override_params":{"model":"claude-sonnet-4-5"}},
          {"provider":"openai","api_key":"sk-test","override_params":{"model":"gpt-4o-mini"}}]}\
        """;

    HttpResponse<String> response = messages(MESSAGE, "x-portkey-config", config.replace("\n", ""));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(anthropic.requests()).hasSize(1);
    assertThat(anthropic.requests().getFirst().path()).isEqualTo("/v1/messages");
    assertThat(lastOpenAiRequest().path()).isEqualTo("/v1/chat/completions");
    assertThat(lastOpenAiRequest().json().path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(json(response).path("type").asText()).isEqualTo("message");
  }

  /**
   * Claude Code asks for its main model and, for side tasks (titles, summaries), a {@code
   * claude-haiku-…}: the conditional config docs/agents.md gives sends each to its own target.
   */
  @Test
  void claudeCodesSmallModelForSideTasksIsRoutedToItsOwnTarget() {
    String config =
        """
        {"strategy": {"mode": "conditional",
                      "conditions": [{"query": {"params.model": {"$regex": "haiku"}}, "then": "small"}],
                      "default": "large"},
         "targets": [{"name": "small", "provider": "openai", "override_params": {"model": "gpt-4o-mini"}},
                     {"name": "large", "provider": "openai", "override_params": {"model": "gpt-5"}}]}\
        """
            .replace("\n", "");
    String sideTask =
        "{\"model\":\"claude-haiku-4-5-20251001\",\"max_tokens\":32,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Title for: fix the build\"}]}";
    String mainLoop = sideTask.replace("claude-haiku-4-5-20251001", "claude-opus-4-1");

    for (String body : List.of(sideTask, mainLoop)) {
      HttpResponse<String> response =
          messages(body, "x-portkey-config", config, "authorization", "Bearer sk-test");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(json(response).path("type").asText()).isEqualTo("message");
    }

    assertThat(openai.requests().stream().map(r -> r.json().path("model").asText()))
        .containsExactly("gpt-4o-mini", "gpt-5");
  }

  @Test
  void aTranslatedAnswerIsServedFromTheCacheTheSecondTime() {
    String config =
        "{\"cache\":{\"mode\":\"simple\"},\"provider\":\"openai\",\"api_key\":\"sk-test\"}";

    HttpResponse<String> first = messages(MESSAGE, "x-portkey-config", config);
    HttpResponse<String> second = messages(MESSAGE, "x-portkey-config", config);

    assertThat(first.headers().firstValue("x-portkey-cache-status")).hasValue("MISS");
    assertThat(second.headers().firstValue("x-portkey-cache-status")).hasValue("HIT");
    assertThat(openai.requests()).hasSize(1);
    assertThat(json(second).get("content")).isEqualTo(json(first).get("content"));
    assertThat(json(second).path("type").asText()).isEqualTo("message");
  }

  @Test
  void aDenyingInputGuardrailAnswers446() {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"input_guardrails\":"
            + "[{\"default.contains\":{\"operator\":\"none\",\"words\":[\"Hello\"]},\"deny\":true}]}";

    HttpResponse<String> response = messages(MESSAGE, "x-portkey-config", config);

    assertThat(response.statusCode()).isEqualTo(446);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("hooks_failed");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void aTranslatedAnswerIsPricedWholeAndStreamed() throws InterruptedException {
    HttpResponse<String> whole = messages(MESSAGE, OPENAI);
    HttpResponse<String> streamed =
        messages(MESSAGE.replace("\"max_tokens\"", "\"stream\":true,\"max_tokens\""), OPENAI);

    JsonNode usage = json(whole).path("usage");
    // gpt-4o-mini: 0.15 in, 0.60 out, per million tokens
    BigDecimal expected =
        new BigDecimal(usage.path("input_tokens").asLong())
            .multiply(new BigDecimal("0.15"))
            .add(
                new BigDecimal(usage.path("output_tokens").asLong())
                    .multiply(new BigDecimal("0.60")))
            .movePointLeft(6);
    assertThat(new BigDecimal(whole.headers().firstValue("x-switchboard-cost-usd").orElseThrow()))
        .isEqualByComparingTo(expected)
        .isPositive();
    assertThat(streamed.statusCode()).isEqualTo(200);
    JsonNode streamedUsage =
        MessagesOverProvidersTest.assemble(AnthropicMessagesTest.events(streamed.body()))
            .path("usage");
    assertThat(streamedUsage.path("input_tokens")).isEqualTo(usage.path("input_tokens"));
    assertThat(streamedUsage.path("output_tokens")).isEqualTo(usage.path("output_tokens"));
    // The stream's cost, from its message_delta usage, is in its record once it is over.
    awaitRecords(2);
    assertThat(records.get(0).costUsd()).isEqualByComparingTo(expected);
    assertThat(records.get(1).costUsd()).isEqualByComparingTo(expected);
  }

  void awaitRecords(int count) throws InterruptedException {
    for (int i = 0; i < 100 && records.size() < count; i++) {
      Thread.sleep(50);
    }
    assertThat(records).hasSize(count);
  }

  @Test
  void anAnthropicAnswerIsUnchanged() {
    anthropic.enqueue(AnthropicReply.builder().text("Native.").build());

    HttpResponse<String> response =
        messages(
            MESSAGE.replace("gpt-4o-mini", "claude-sonnet-4-5"),
            "x-portkey-provider",
            "anthropic",
            "x-api-key",
            "sk-ant-test");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(WireJson.tree(anthropic.requests().getLast().body()))
        .isEqualTo(WireJson.tree(MESSAGE.replace("gpt-4o-mini", "claude-sonnet-4-5")));
    assertThat(json(response).at("/content/0/text").asText()).isEqualTo("Native.");
  }
}
