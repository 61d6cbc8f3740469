package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses} as a client of OpenAI's Responses API sees it: the offline {@code
 * mock} provider and Anthropic's fake answer it through the chat translation (text, function and
 * custom tool calls, whole and streamed), OpenAI's fake natively (the body and the events passed on
 * as they came); routing, caching and guardrails serve it as they serve chat; what a provider
 * cannot take is refused by name or left out and named in {@code x-switchboard-dropped}.
 */
class ResponsesApiTest {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static FakeOpenAi openai;
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder()
                .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                .build(),
            engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
    anthropic.close();
    openai.close();
  }

  static HttpResponse<String> post(ObjectNode body, String... headers) {
    return gateway.postJson("/v1/responses", WireJson.writeString(body), headers);
  }

  static HttpResponse<String> mock(ObjectNode body) {
    return post(body, "x-portkey-provider", "mock");
  }

  static ObjectNode request(String model, String input) {
    return NODES.objectNode().put("model", model).put("input", input);
  }

  static ObjectNode function(String name) {
    ObjectNode tool = NODES.objectNode().put("type", "function").put("name", name);
    tool.set(
        "parameters",
        WireJson.tree(
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"]}"));
    return tool;
  }

  static String text(JsonNode response) {
    StringBuilder text = new StringBuilder();
    for (JsonNode item : response.path("output")) {
      if (item.path("type").asText().equals("message")) {
        item.path("content").forEach(part -> text.append(part.path("text").asText()));
      }
    }
    return text.toString();
  }

  @Test
  void theMockProviderAnswersAResponseObjectWithNoKey() {
    ObjectNode body = request("mock-model", "Say hello to the gateway");
    body.put("instructions", "Be brief.");
    body.putObject("metadata").put("ticket", "T-1");
    var response = mock(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode answer = json(response);
    assertThat(answer.path("id").asText()).startsWith("resp_");
    assertThat(answer.path("object").asText()).isEqualTo("response");
    assertThat(answer.path("status").asText()).isEqualTo("completed");
    assertThat(answer.path("instructions").asText()).isEqualTo("Be brief.");
    assertThat(answer.at("/metadata/ticket").asText()).isEqualTo("T-1");
    assertThat(answer.at("/output/0/type").asText()).isEqualTo("message");
    assertThat(answer.at("/output/0/id").asText()).startsWith("msg_");
    assertThat(answer.at("/output/0/content/0/type").asText()).isEqualTo("output_text");
    assertThat(answer.at("/output/0/content/0/annotations").isArray()).isTrue();
    assertThat(text(answer)).contains("Say hello to the gateway");
    JsonNode usage = answer.path("usage");
    assertThat(usage.path("total_tokens").asInt())
        .isPositive()
        .isEqualTo(usage.path("input_tokens").asInt() + usage.path("output_tokens").asInt());
    assertThat(usage.at("/input_tokens_details/cached_tokens").isNumber()).isTrue();
    assertThat(response.headers().firstValue("x-switchboard-dropped")).isEmpty();
  }

  @Test
  void theMockProviderCallsTheOfferedToolsAsParallelItemsInAStream() {
    ObjectNode body = request("mock-model", "Weather and time, please");
    body.putArray("tools").add(function("get_weather")).add(function("get_time"));
    body.put("stream", true);
    var response = mock(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    assertThat(response.body()).doesNotContain("[DONE]");
    List<ResponsesEvents.Event> events = ResponsesEvents.parse(response.body());
    ResponsesEvents.assertWellFormed(events);
    JsonNode answer = ResponsesEvents.reassemble(events);
    assertThat(answer.path("output")).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonNode call = answer.path("output").get(i);
      assertThat(call.path("type").asText()).isEqualTo("function_call");
      assertThat(call.path("id").asText()).startsWith("fc_");
      assertThat(call.path("status").asText()).isEqualTo("completed");
      assertThat(WireJson.tree(call.path("arguments").asText()).has("city")).isTrue();
    }
    assertThat(answer.at("/output/0/name").asText()).isEqualTo("get_weather");
    assertThat(answer.at("/output/1/name").asText()).isEqualTo("get_time");
    assertThat(answer.path("usage").path("output_tokens").asInt()).isPositive();
  }

  /**
   * A provider's reasoning ({@code reasoning_content} in its chat answer, here the mock's scripted
   * one) is a {@code reasoning} item before the message, its text the summary; streamed, the
   * summary's own events.
   */
  @Test
  void aProvidersReasoningIsAReasoningItemWithItsSummaryWholeAndStreamed() {
    ObjectNode body = request("mock-model", "Is it warm in Paris?");
    body.putArray("mock_script")
        .addObject()
        .put("reasoning", "Paris in June is usually warm.")
        .put("content", "Yes, it is warm.");

    var whole = mock(body);

    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    JsonNode output = json(whole).path("output");
    assertThat(output.at("/0/type").asText()).isEqualTo("reasoning");
    assertThat(output.at("/0/id").asText()).startsWith("rs_");
    assertThat(output.at("/0/summary/0/type").asText()).isEqualTo("summary_text");
    assertThat(output.at("/0/summary/0/text").asText()).isEqualTo("Paris in June is usually warm.");
    assertThat(output.at("/1/content/0/text").asText()).isEqualTo("Yes, it is warm.");

    body.put("stream", true);
    var streamed = mock(body);
    List<ResponsesEvents.Event> events = ResponsesEvents.parse(streamed.body());
    ResponsesEvents.assertWellFormed(events);
    assertThat(events.stream().map(ResponsesEvents.Event::type))
        .containsSubsequence(
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.output_text.delta");
    JsonNode answer = ResponsesEvents.reassemble(events);
    assertThat(answer.at("/output/0/summary/0/text").asText())
        .isEqualTo("Paris in June is usually warm.");
    assertThat(answer.at("/output/1/content/0/text").asText()).isEqualTo("Yes, it is warm.");
  }

  /**
   * Codex's freeform {@code apply_patch}: a function of one string on the way, a custom call back.
   */
  @Test
  void aCustomToolIsCalledWithItsFreeformInputAndItsOutputGoesBack() {
    ObjectNode body = request("mock-model", "Create hello.txt");
    ObjectNode patch =
        body.putArray("tools")
            .addObject()
            .put("type", "custom")
            .put("name", "apply_patch")
            .put("description", "Applies a patch.");
    patch
        .putObject("format")
        .put("type", "grammar")
        .put("syntax", "lark")
        .put("definition", "start: \"*** Begin Patch\"");
    var first = mock(body);

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode call = json(first).at("/output/0");
    assertThat(call.path("type").asText()).isEqualTo("custom_tool_call");
    assertThat(call.path("name").asText()).isEqualTo("apply_patch");
    assertThat(call.path("input").isTextual()).isTrue();
    assertThat(call.has("arguments")).isFalse();

    ArrayNode input = body.putArray("input");
    input.addObject().put("role", "user").put("content", "Create hello.txt");
    input.add(call);
    input
        .addObject()
        .put("type", "custom_tool_call_output")
        .put("call_id", call.path("call_id").asText())
        .put("output", "Success. Updated the following files:\nA hello.txt");
    var second = mock(body);

    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(text(json(second))).contains("Success. Updated the following files");
  }

  /** What Codex sends on every turn (docs/agents.md): left out where it must be, and named. */
  @Test
  void whatCodexSendsIsTakenAndWhatTheProviderCannotTakeIsNamedInAHeader() {
    ObjectNode body = NODES.objectNode().put("model", "mock-model").put("stream", false);
    ArrayNode input = body.putArray("input");
    input
        .addObject()
        .put("type", "message")
        .put("id", "msg_client_1")
        .put("role", "developer")
        .putArray("content")
        .addObject()
        .put("type", "input_text")
        .put("text", "You are a coding agent.");
    input
        .addObject()
        .put("type", "message")
        .put("role", "user")
        .putArray("content")
        .addObject()
        .put("type", "input_text")
        .put("text", "read notes.txt");
    ObjectNode reasoning = input.addObject().put("type", "reasoning").put("id", "rs_1");
    reasoning.putArray("summary");
    reasoning.putNull("content");
    reasoning.put("encrypted_content", "gAAAA-opaque");
    body.putArray("tools")
        .add(function("exec_command"))
        .add(NODES.objectNode().put("type", "web_search").put("external_web_access", true));
    body.put("tool_choice", "auto").put("parallel_tool_calls", true).put("store", false);
    body.putObject("reasoning").put("effort", "medium");
    body.putArray("include").add("reasoning.encrypted_content");
    body.put("prompt_cache_key", "3f0c-session");
    body.putObject("text").put("verbosity", "low");
    body.putObject("client_metadata").put("session_id", "s-1");
    var response = mock(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).at("/output/0/name").asText()).isEqualTo("exec_command");
    assertThat(dropped(response))
        .containsExactlyInAnyOrder("reasoning", "web_search", "reasoning.encrypted_content");

    body.put("stream", true);
    var streamed = mock(body);
    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(dropped(streamed))
        .containsExactlyInAnyOrder("reasoning", "web_search", "reasoning.encrypted_content");
  }

  /**
   * Codex's lighter request offers its tools in an {@code additional_tools} input item, before the
   * conversation, instead of {@code tools}: they are the chat request's tools.
   */
  @Test
  void toolsOfferedByAnAdditionalToolsItemAreTheChatRequestsTools() {
    ObjectNode body = NODES.objectNode().put("model", "mock-model");
    ArrayNode input = body.putArray("input");
    ObjectNode additional =
        input.addObject().put("type", "additional_tools").put("role", "developer");
    ObjectNode namespace =
        additional.putArray("tools").addObject().put("type", "namespace").put("name", "team");
    namespace.put("description", "Talking to the team");
    namespace.putArray("tools").add(function("send_message"));
    input.addObject().put("role", "user").put("content", "Send a test message.");

    var response = mock(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).at("/output/0/type").asText()).isEqualTo("function_call");
    assertThat(json(response).at("/output/0/name").asText()).isEqualTo("send_message");

    additional.put("tools", "not an array");
    assertRefused(body, "input[0].tools");
  }

  static List<String> dropped(HttpResponse<String> response) {
    return Arrays.asList(
        response.headers().firstValue("x-switchboard-dropped").orElse("").split(", "));
  }

  @Test
  void badInputIsRefusedWithA400NamingTheField() {
    assertRefused(NODES.objectNode().put("model", "m").put("input", 42), "input");
    ObjectNode unknownItem = NODES.objectNode().put("model", "m");
    unknownItem.putArray("input").addObject().put("type", "item_reference").put("id", "x");
    assertRefused(unknownItem, "input[0].type");
    ObjectNode continued = request("m", "and then?").put("previous_response_id", "resp_123");
    assertRefused(continued, "previous_response_id");
    assertRefused(request("m", "hi").put("not_a_parameter", 1), "not_a_parameter");
    ObjectNode forcedSearch = request("m", "hi");
    forcedSearch.putObject("tool_choice").put("type", "web_search");
    assertRefused(forcedSearch, "tool_choice.type");
  }

  static void assertRefused(ObjectNode body, String param) {
    var response = mock(body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json(response).path("error");
    assertThat(error.path("param").asText()).isEqualTo(param);
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).contains(param);
  }

  @Test
  void openAiAnswersNativelyAndItsBytesArePassedOn() {
    String answer =
        "{\"id\":\"resp_native1\",\"object\":\"response\",\"created_at\":1.7e9,"
            + "\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":3,"
            + "\"output_tokens\":0,\"total_tokens\":3},\"note\":\"\\u00e9\"}";
    openai.enqueue(Fault.verbatim(200, "application/json", answer));
    ObjectNode body = request("gpt-4.1", "hi");
    body.putArray("include").add("reasoning.encrypted_content");
    body.put("a_future_field", true);
    var response = post(body, "x-portkey-provider", "openai", "authorization", "Bearer sk-test");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(answer);
    assertThat(openai.requests().getLast().json()).isEqualTo(body);
    assertThat(response.headers().firstValue("x-switchboard-dropped")).isEmpty();
  }

  @Test
  void openAisEventsArePassedOnAsTheyCame() {
    var response =
        post(
            request("gpt-4.1", "stream to me").put("stream", true),
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-test");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<ResponsesEvents.Event> events = ResponsesEvents.parse(response.body());
    ResponsesEvents.assertWellFormed(events);
    assertThat(text(ResponsesEvents.reassemble(events)))
        .isEqualTo("Hello from the fake OpenAI. You said: stream to me");
  }

  /** Azure's Responses API is the resource's ({@code …/openai/responses?api-version=…}). */
  @Test
  void azureOpenAiAnswersNativelyAtTheResourcesResponsesPath() {
    var response =
        post(
            request("my-deployment", "hi from azure"),
            "x-portkey-provider",
            "azure-openai",
            "x-portkey-custom-host",
            openai.baseUrl(),
            "x-portkey-azure-api-version",
            "2025-04-01-preview",
            "authorization",
            "Bearer azure-key");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(text(json(response)))
        .isEqualTo("Hello from the fake OpenAI. You said: hi from azure");
    var sent = openai.requests().getLast();
    assertThat(sent.path()).isEqualTo("/v1/responses");
    assertThat(sent.query()).isEqualTo("api-version=2025-04-01-preview");
    assertThat(sent.header("api-key")).isEqualTo("azure-key");
  }

  /** A translated answer is priced as the chat answer it was: the same usage, the same cost. */
  @Test
  void aTranslatedAnswerIsPricedAsItsChatAnswer() {
    String[] headers = {"x-portkey-provider", "anthropic", "x-api-key", "sk-ant"};
    anthropic.enqueue(AnthropicReply.builder().text("Priced words here.").build());
    var chat =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"price me\"}]}",
            headers);
    anthropic.enqueue(AnthropicReply.builder().text("Priced words here.").build());
    var responses = post(request("claude-sonnet-4-5", "price me"), headers);

    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    assertThat(json(responses).at("/usage/input_tokens").asInt())
        .isEqualTo(json(chat).at("/usage/prompt_tokens").asInt());
    assertThat(json(responses).at("/usage/output_tokens").asInt())
        .isEqualTo(json(chat).at("/usage/completion_tokens").asInt());
    assertThat(responses.headers().firstValue("x-switchboard-cost-usd"))
        .isPresent()
        .isEqualTo(chat.headers().firstValue("x-switchboard-cost-usd"));
  }

  @Test
  void aFailedAttemptIsRetried() {
    anthropic.enqueue(Fault.status(503));
    anthropic.enqueue(AnthropicReply.builder().text("Second time lucky").build());
    String config =
        "{\"provider\":\"anthropic\",\"api_key\":\"sk-ant\",\"retry\":{\"attempts\":2}}";
    var response = post(request("claude-sonnet-4-5", "hi"), "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(text(json(response))).isEqualTo("Second time lucky");
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
  }

  @Test
  void aFailingProviderFallsBackToTheNextMidConfig() {
    anthropic.enqueue(Fault.status(500));
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + "{\"provider\":\"anthropic\",\"api_key\":\"sk-ant\"},"
            + "{\"provider\":\"mock\"}]}";
    var response =
        post(request("claude-sonnet-4-5", "fall back, please"), "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).path("object").asText()).isEqualTo("response");
    assertThat(text(json(response))).contains("fall back, please");
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("mock");
  }

  @Test
  void aRepeatedRequestIsAnsweredFromTheCache() {
    String config = "{\"provider\":\"mock\",\"cache\":{\"mode\":\"simple\"}}";
    ObjectNode body = request("mock-model", "cache me " + System.nanoTime());
    var first = post(body, "x-portkey-config", config);
    var second = post(body, "x-portkey-config", config);

    assertThat(first.headers().firstValue("x-portkey-cache-status")).hasValue("MISS");
    assertThat(second.headers().firstValue("x-portkey-cache-status")).hasValue("HIT");
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(text(json(second))).isEqualTo(text(json(first)));
    assertThat(json(second).path("id").asText()).startsWith("resp_");
  }

  @Test
  void aDenyingGuardrailAnswers446() {
    String config =
        "{\"provider\":\"mock\",\"input_guardrails\":[{\"default.contains\":"
            + "{\"operator\":\"none\",\"words\":[\"Apple\"]},\"deny\":true}]}";
    var response = post(request("mock-model", "I like Apple pie"), "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(446);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("hooks_failed");
  }

  @Test
  void aProviderFailingMidStreamEndsItWithTheResponsesErrorEvent() {
    anthropic.enqueue(Fault.cutStreamAfter(3));
    var response =
        post(
            request("claude-sonnet-4-5", "stream and break").put("stream", true),
            "x-portkey-provider",
            "anthropic",
            "x-api-key",
            "sk-ant");

    assertThat(response.statusCode()).isEqualTo(200);
    List<ResponsesEvents.Event> events = ResponsesEvents.parse(response.body());
    ResponsesEvents.Event last = events.getLast();
    assertThat(last.name()).isEqualTo("error");
    assertThat(last.data().path("type").asText()).isEqualTo("error");
    assertThat(last.data().path("message").asText()).isNotEmpty();
    List<Integer> numbers = new ArrayList<>();
    events.forEach(e -> numbers.add(e.data().path("sequence_number").asInt()));
    for (int i = 0; i < numbers.size(); i++) {
      assertThat(numbers.get(i)).isEqualTo(i);
    }
  }
}
