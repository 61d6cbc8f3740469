package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ToolChoiceOptions;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Responses API as OpenAI's own Java SDK reads it, with its response validation on: the
 * response object and its stream of named events.
 */
class ResponsesTest {
  FakeOpenAi fake;
  OpenAIClient openai;
  RawHttp http;

  @BeforeEach
  void start() {
    fake = FakeOpenAi.start();
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

  private static ResponseCreateParams.Builder params() {
    return ResponseCreateParams.builder()
        .model("gpt-4.1")
        .instructions("Answer briefly")
        .input("hi there");
  }

  @Test
  void answersTheInputWithItsWordsCountedAsTokens() {
    Response response = openai.responses().create(params().build());

    assertThat(response.status()).contains(ResponseStatus.COMPLETED);
    assertThat(response.output().getFirst().asMessage().content().getFirst().asOutputText().text())
        .isEqualTo("Hello from the fake OpenAI. You said: hi there");
    assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(4);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(9);
    assertThat(response.usage().orElseThrow().totalTokens()).isEqualTo(13);
  }

  @Test
  void streamsNamedEventsEndingWithResponseCompletedAndItsUsage() throws Exception {
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream =
        openai.responses().createStreaming(params().build())) {
      stream.stream().forEach(events::add);
    }

    assertThat(events.getFirst().isCreated()).isTrue();
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(ResponseStreamEvent::isOutputTextDelta)
        .forEach(e -> text.append(e.asOutputTextDelta().delta()));
    assertThat(text).hasToString("Hello from the fake OpenAI. You said: hi there");
    assertThat(events.getLast().isCompleted()).isTrue();
    assertThat(events.getLast().asCompleted().response().usage().orElseThrow().outputTokens())
        .isEqualTo(9);

    HttpResponse<String> raw =
        http.post("/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"stream\":true}");
    assertThat(raw.body())
        .startsWith(
            "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0");
    assertThat(raw.body()).doesNotContain("[DONE]").endsWith("}\n\n");
  }

  @Test
  void endsWithResponseIncompleteWhenMaxOutputTokensCutsTheText() throws Exception {
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream =
        openai
            .responses()
            .createStreaming(params().maxOutputTokens(16).input("a ".repeat(30)).build())) {
      stream.stream().forEach(events::add);
    }

    assertThat(events.getLast().isIncomplete()).isTrue();
    Response response = events.getLast().asIncomplete().response();
    assertThat(response.status()).contains(ResponseStatus.INCOMPLETE);
    assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(16);
  }

  @Test
  void refusesMaxOutputTokensBelowSixteen() {
    assertThatThrownBy(() -> openai.responses().create(params().maxOutputTokens(5).build()))
        .isInstanceOfSatisfying(
            BadRequestException.class,
            e -> assertThat(e.getMessage()).contains("max_output_tokens"));
  }

  /** A function tool taking a city, as a JSON schema. */
  static final FunctionTool WEATHER =
      FunctionTool.builder()
          .name("get_weather")
          .parameters(
              FunctionTool.Parameters.builder()
                  .putAllAdditionalProperties(
                      Map.of(
                          "type", JsonValue.from("object"),
                          "properties", JsonValue.from(Map.of("city", Map.of("type", "string")))))
                  .build())
          .strict(false)
          .build();

  private static ResponseCreateParams.Builder requiringTheTool() {
    return params().addTool(WEATHER).toolChoice(ToolChoiceOptions.REQUIRED);
  }

  @Test
  void callsTheOfferedFunctionWhenTheToolChoiceRequiresIt() {
    Response response = openai.responses().create(requiringTheTool().build());

    ResponseFunctionToolCall call = response.output().getFirst().asFunctionCall();
    assertThat(call.name()).isEqualTo("get_weather");
    assertThat(call.arguments()).isEqualTo("{\"city\":\"sample\"}");
    assertThat(call.callId()).startsWith("call_");
    assertThat(call.id()).hasValueSatisfying(id -> assertThat(id).startsWith("fc_"));
    assertThat(response.tools()).hasSize(1);
  }

  @Test
  void streamsAScriptedCallAsItsItemAndArgumentEventsThenQuotesItsOutput() {
    fake.enqueue(OpenAiChatReply.builder().toolCall("get_weather", "{\"city\":\"Oslo\"}").build());
    List<ResponseStreamEvent> events = new ArrayList<>();
    try (StreamResponse<ResponseStreamEvent> stream =
        openai
            .responses()
            .createStreaming(
                params()
                    .addTool(requiringTheTool().build().tools().orElseThrow().getFirst())
                    .build())) {
      stream.stream().forEach(events::add);
    }

    assertThat(events.stream().map(e -> e.isFunctionCallArgumentsDelta()).toList()).contains(true);
    StringBuilder arguments = new StringBuilder();
    events.stream()
        .filter(ResponseStreamEvent::isFunctionCallArgumentsDelta)
        .forEach(e -> arguments.append(e.asFunctionCallArgumentsDelta().delta()));
    assertThat(arguments).hasToString("{\"city\":\"Oslo\"}");
    ResponseFunctionToolCall call =
        events.getLast().asCompleted().response().output().getFirst().asFunctionCall();
    assertThat(call.arguments()).isEqualTo("{\"city\":\"Oslo\"}");

    Response answer =
        openai
            .responses()
            .create(
                params()
                    .inputOfResponse(
                        List.of(
                            ResponseInputItem.ofFunctionCall(call),
                            ResponseInputItem.ofFunctionCallOutput(
                                ResponseInputItem.FunctionCallOutput.builder()
                                    .callId(call.callId())
                                    .output("4C and snow")
                                    .build())))
                    .build());
    assertThat(answer.output().getFirst().asMessage().content().getFirst().asOutputText().text())
        .isEqualTo("Tool results received: 4C and snow");
  }
}
