package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code POST /v1/chat/completions}, as the official SDK and a plain HTTP client see it. */
class ChatCompletionsTest {
  static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  FakeOpenAi fake;
  OpenAIClient openai;
  RawHttp http;

  static final ChatCompletionCreateParams HELLO =
      ChatCompletionCreateParams.builder()
          .model("gpt-4o-mini")
          .addSystemMessage("Be brief.")
          .addUserMessage("Hello there")
          .build();

  static final FunctionDefinition WEATHER =
      function("get_weather", Map.of("city", Map.of("type", "string")));
  static final FunctionDefinition TIME =
      function(
          "get_time",
          Map.of("zone", Map.of("type", "string"), "twenty_four_hours", Map.of("type", "boolean")));
  static final FunctionDefinition NEWS =
      function("get_news", Map.of("count", Map.of("type", "integer")));
  static final FunctionDefinition STOCKS =
      function("get_stocks", Map.of("symbols", Map.of("type", "array")));

  static FunctionDefinition function(String name, Map<String, Object> properties) {
    return FunctionDefinition.builder()
        .name(name)
        .parameters(
            FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(properties))
                .build())
        .build();
  }

  @BeforeEach
  void start() {
    fake = FakeOpenAi.builder().clock(Clock.fixed(NOW, ZoneOffset.UTC)).start();
    openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(fake.baseUrl())
            .apiKey("test")
            .maxRetries(0)
            .responseValidation(true)
            .build();
    http = new RawHttp(fake);
  }

  @AfterEach
  void stop() {
    openai.close();
    fake.close();
  }

  @Test
  void theOfficialSdkReadsTheAnswerToTheLastUserMessage() throws InterruptedException {
    ChatCompletion completion = openai.chat().completions().create(HELLO);

    ChatCompletion.Choice choice = completion.choices().getFirst();
    assertThat(choice.message().content())
        .hasValue("Hello from the fake OpenAI. You said: Hello there");
    assertThat(choice.message().toolCalls()).isEmpty();
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.model()).isEqualTo("gpt-4o-mini");
    assertThat(completion.created()).isEqualTo(NOW.getEpochSecond());
    assertThat(completion.id()).matches("chatcmpl-[A-Za-z0-9]{29}");
    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(1));
    assertThat(request.path()).isEqualTo("/v1/chat/completions");
    assertThat(request.header("Authorization")).isEqualTo("Bearer test");
  }

  @Test
  void countsEachWhitespaceSeparatedWordAsOneToken() {
    var usage = openai.chat().completions().create(HELLO).usage().orElseThrow();

    assertThat(usage.promptTokens()).isEqualTo(4); // "Be brief." "Hello there"
    assertThat(usage.completionTokens()).isEqualTo(9);
    assertThat(usage.totalTokens()).isEqualTo(13);
    assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(0L);
    assertThat(usage.completionTokensDetails().orElseThrow().reasoningTokens()).hasValue(0L);
  }

  @Test
  void aCompletionHasTheKeysAndKindsOfValuesOfOpenAisDocumentedExample() throws Exception {
    var response =
        http.post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    JsonShape.assertSameShape(Fixtures.json("chat-completion.json"), json(response));
  }

  @Test
  void toolCallsHaveTheKeysAndKindsOfValuesOfOpenAisDocumentedExample() throws Exception {
    var response =
        http.post(
            "/v1/chat/completions",
            """
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Oslo?"}],
             "tools":[{"type":"function","function":{"name":"get_weather",
               "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}\
            """);

    JsonShape.assertSameShape(Fixtures.json("chat-completion-tool-calls.json"), json(response));
  }

  @Test
  void answersWithOpenAisHeaders() throws Exception {
    var response =
        http.post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().firstValue("x-request-id").orElseThrow())
        .matches("req_[0-9a-f]{32}");
    assertThat(response.headers().firstValue("openai-processing-ms").orElseThrow())
        .matches("[0-9]+");
    assertThat(response.headers().firstValue("openai-version")).hasValue("2020-10-01");
    assertThat(response.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
    assertThat(response.headers().firstValue("date")).isPresent();
    assertThat(response.headers().firstValue("server")).isEmpty();
  }

  @Test
  void equalRequestsGetEqualAnswersButForIdAndCreated() throws Exception {
    fake.close();
    fake = FakeOpenAi.start();
    http = new RawHttp(fake);
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Same\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"a\"}}]}";

    JsonNode first = json(http.post("/v1/chat/completions", body));
    JsonNode second = json(http.post("/v1/chat/completions", body));

    assertThat(first.get("id")).isNotEqualTo(second.get("id"));
    ((ObjectNode) first).remove(List.of("id", "created"));
    ((ObjectNode) second).remove(List.of("id", "created"));
    assertThat(first).isEqualTo(second);
  }

  @Test
  void nGivesThatManyChoicesWithTheSameAnswer() {
    ChatCompletion completion = openai.chat().completions().create(HELLO.toBuilder().n(3).build());

    assertThat(completion.choices())
        .extracting(ChatCompletion.Choice::index)
        .containsExactly(0L, 1L, 2L);
    assertThat(completion.choices())
        .extracting(c -> c.message().content().orElseThrow())
        .containsOnly("Hello from the fake OpenAI. You said: Hello there");
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(27);
  }

  @Test
  void maxCompletionTokensCutsTheAnswerWithFinishReasonLength() {
    ChatCompletion completion =
        openai.chat().completions().create(HELLO.toBuilder().maxCompletionTokens(3).build());

    ChatCompletion.Choice choice = completion.choices().getFirst();
    assertThat(choice.message().content()).hasValue("Hello from the ");
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(3);
  }

  @Test
  void callsEachOfferedToolInParallelWithArgumentsBuiltFromItsSchema() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                HELLO.toBuilder()
                    .addFunctionTool(WEATHER)
                    .addFunctionTool(TIME)
                    .addFunctionTool(NEWS)
                    .addFunctionTool(STOCKS)
                    .build());

    ChatCompletion.Choice choice = completion.choices().getFirst();
    assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(choice.message().content()).isEmpty();
    List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
    assertThat(calls)
        .extracting(c -> c.asFunction().function().name())
        .containsExactly("get_weather", "get_time", "get_news");
    assertThat(calls.get(0).asFunction().function().arguments()).isEqualTo("{\"city\":\"sample\"}");
    assertThat(json(calls.get(1).asFunction().function().arguments()))
        .isEqualTo(json("{\"zone\":\"sample\",\"twenty_four_hours\":true}"));
    assertThat(calls.get(2).asFunction().function().arguments()).isEqualTo("{\"count\":1}");
    assertThat(calls)
        .extracting(c -> c.asFunction().id())
        .allMatch(id -> id.matches("call_[A-Za-z0-9]{24}"));
    assertThat(calls).extracting(c -> c.asFunction().id()).doesNotHaveDuplicates();
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(3);
  }

  enum Genre {
    NOIR,
    COMEDY
  }

  record Director(String name, boolean living) {}

  record Film(
      String title, int year, double rating, List<String> tags, Director director, Genre genre) {}

  @Test
  void answersAJsonSchemaResponseFormatWithJsonTheSchemaAccepts() {
    var params =
        StructuredChatCompletionCreateParams.<Film>builder()
            .model("gpt-4o-mini")
            .addUserMessage("A film, please")
            .responseFormat(Film.class)
            .build();

    Film film =
        openai
            .chat()
            .completions()
            .create(params)
            .choices()
            .getFirst()
            .message()
            .content()
            .orElseThrow();

    assertThat(film)
        .isEqualTo(
            new Film("sample", 1, 1, List.of("sample"), new Director("sample", true), Genre.NOIR));
  }

  @Test
  void streamsTheSameJsonForAJsonSchemaResponseFormat() throws Exception {
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\","
            + "\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"n\":"
            + "{\"type\":[\"integer\",\"null\"]},\"kind\":{\"anyOf\":[{\"$ref\":\"#/$defs/k\"}]}},"
            + "\"$defs\":{\"k\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]}},"
            + "\"required\":[\"n\",\"kind\"],\"additionalProperties\":false}}}}";

    String whole =
        json(http.post("/v1/chat/completions", body)).at("/choices/0/message/content").asText();
    StringBuilder streamed = new StringBuilder();
    String stream =
        http.post("/v1/chat/completions", body.replace("{\"model\"", "{\"stream\":true,\"model\""))
            .body();
    for (String event : RawHttp.dataEvents(stream)) {
      if (!event.equals("[DONE]")) {
        streamed.append(json(event).at("/choices/0/delta/content").asText(""));
      }
    }

    assertThat(json(whole)).isEqualTo(json("{\"n\":1,\"kind\":\"a\"}"));
    assertThat(streamed.toString()).isEqualTo(whole);
  }

  @Test
  void callsOnlyTheFirstToolWhenParallelToolCallsIsFalse() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                HELLO.toBuilder()
                    .addFunctionTool(WEATHER)
                    .addFunctionTool(TIME)
                    .parallelToolCalls(false)
                    .build());

    assertThat(completion.choices().getFirst().message().toolCalls().orElseThrow())
        .extracting(c -> c.asFunction().function().name())
        .containsExactly("get_weather");
  }

  @Test
  void aScriptedReplyCallsTheToolsItNamesWithItsArgumentsThenTheFakeAnswersAsUsual() {
    fake.enqueue(OpenAiChatReply.builder().toolCall("get_time", "{\"zone\":\"CET\"}").build());
    ChatCompletionCreateParams request =
        HELLO.toBuilder().addFunctionTool(WEATHER).addFunctionTool(TIME).build();

    ChatCompletion scripted = openai.chat().completions().create(request);
    ChatCompletion next = openai.chat().completions().create(request);

    assertThat(scripted.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(scripted.choices().getFirst().message().toolCalls().orElseThrow())
        .extracting(
            c -> c.asFunction().function().name(), c -> c.asFunction().function().arguments())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("get_time", "{\"zone\":\"CET\"}"));
    assertThat(next.choices().getFirst().message().toolCalls().orElseThrow())
        .extracting(c -> c.asFunction().function().name())
        .containsExactly("get_weather", "get_time");
  }

  @Test
  void callsTheToolThatToolChoiceNames() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                HELLO.toBuilder()
                    .addFunctionTool(WEATHER)
                    .addFunctionTool(TIME)
                    .toolChoice(
                        ChatCompletionNamedToolChoice.builder()
                            .function(
                                ChatCompletionNamedToolChoice.Function.builder()
                                    .name("get_time")
                                    .build())
                            .build())
                    .build());

    assertThat(completion.choices().getFirst().message().toolCalls().orElseThrow())
        .extracting(c -> c.asFunction().function().name())
        .containsExactly("get_time");
  }

  @Test
  void answersWithTextWhenToolChoiceIsNone() {
    ChatCompletion completion =
        openai
            .chat()
            .completions()
            .create(
                HELLO.toBuilder()
                    .addFunctionTool(WEATHER)
                    .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE)
                    .build());

    assertThat(completion.choices().getFirst().message().content())
        .hasValue("Hello from the fake OpenAI. You said: Hello there");
    assertThat(completion.choices().getFirst().message().toolCalls()).isEmpty();
  }

  @Test
  void answersToolResultsWithTextNamingThem() throws Exception {
    var response =
        http.post(
            "/v1/chat/completions",
            """
            {"model":"gpt-4o-mini","messages":[
              {"role":"user","content":"Weather and time?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}},
                {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"Sunny"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"Noon"}]}],
             "tools":[{"type":"function","function":{"name":"get_weather"}}]}\
            """);

    JsonNode choice = json(response).at("/choices/0");
    assertThat(choice.at("/message/content").asText())
        .isEqualTo("Tool results received: Sunny; Noon");
    assertThat(choice.at("/message").has("tool_calls")).isFalse();
    assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void refusesABodyThatIsNotJsonInOpenAisWords() throws Exception {
    var response = http.post("/v1/chat/completions", "{\"model\": \"gpt-4o-mini\",");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response).get("error");
    assertThat(error.path("message").asText())
        .startsWith("We could not parse the JSON body of your request.");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("param").isNull()).isTrue();
    assertThat(error.get("code").isNull()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          no model        | {"messages":[{"role":"user","content":"x"}]}               | you must provide a model parameter |                  |
          no messages     | {"model":"gpt-4o-mini"}                                    | Missing required parameter: 'messages'. | messages    | missing_required_parameter
          empty messages  | {"model":"gpt-4o-mini","messages":[]}                      | Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead. | messages | empty_array
          messages string | {"model":"gpt-4o-mini","messages":"hi"}                    | Invalid type for 'messages': expected an array of objects, but got a string instead. | messages | invalid_type
          no role         | {"model":"gpt-4o-mini","messages":[{"content":"x"}]}       | Missing required parameter: 'messages[0].role'. | messages[0].role | missing_required_parameter
          unknown role    | {"model":"gpt-4o-mini","messages":[{"role":"robot","content":"x"}]} | Invalid value: 'robot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'. | messages[0].role | invalid_value
          orphan tool     | {"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"},{"role":"tool","tool_call_id":"c","content":"r"}]} | Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'. | messages.[1].role |
          n zero          | {"model":"gpt-4o-mini","n":0,"messages":[{"role":"user","content":"x"}]} | 0 is less than the minimum of 1 - 'n' | |
          choice no tools | {"model":"gpt-4o-mini","tool_choice":"auto","messages":[{"role":"user","content":"x"}]} | Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified. | tool_choice |
          """)
  void refusesAnInvalidRequestAsOpenAiDoes(
      String what, String body, String message, String param, String code) throws Exception {
    var response = http.post("/v1/chat/completions", body);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response).get("error");
    assertThat(error.path("message").asText()).isEqualTo(message);
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("param").isNull() ? null : error.get("param").asText()).isEqualTo(param);
    assertThat(error.get("code").isNull() ? null : error.get("code").asText()).isEqualTo(code);
  }
}
