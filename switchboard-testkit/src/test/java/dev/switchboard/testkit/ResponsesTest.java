package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
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
}
