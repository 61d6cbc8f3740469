package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.dataEvents;
import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessage;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streamed chat completions: OpenAI's chunks, in OpenAI's order, framed as OpenAI frames them. */
class ChatStreamingTest {
  FakeOpenAi fake;
  OpenAIClient openai;
  RawHttp http;

  static final ChatCompletionCreateParams HELLO =
      ChatCompletionsTest.HELLO.toBuilder()
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
          .build();

  static final String STREAMED_HELLO =
      """
      {"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},
       "messages":[{"role":"user","content":"Hi there"}]}\
      """;

  static final String STREAMED_TOOLS =
      """
      {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Weather and time?"}],
       "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"zone":{"type":"string"}}}}}]}\
      """;

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

  private ChatCompletion streamAndAccumulate(ChatCompletionCreateParams params) {
    ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream =
        openai.chat().completions().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    return accumulator.chatCompletion();
  }

  @Test
  void streamedChatReassemblesToTheNonStreamedMessage() {
    ChatCompletion whole = openai.chat().completions().create(HELLO);

    ChatCompletion streamed = streamAndAccumulate(HELLO);

    // The accumulator builds its message its own way (no annotations, empty tool calls): compare
    // what the model said.
    ChatCompletionMessage streamedMessage = streamed.choices().getFirst().message();
    ChatCompletionMessage wholeMessage = whole.choices().getFirst().message();
    assertThat(streamedMessage.content()).isEqualTo(wholeMessage.content()).isPresent();
    assertThat(streamedMessage.refusal()).isEqualTo(wholeMessage.refusal());
    assertThat(streamedMessage.toolCalls().orElse(List.of())).isEmpty();
    assertThat(streamed.choices().getFirst().finishReason())
        .isEqualTo(whole.choices().getFirst().finishReason());
    assertThat(streamed.usage()).isEqualTo(whole.usage());
    assertThat(streamed.model()).isEqualTo(whole.model());
  }

  @Test
  void streamedParallelToolCallsReassembleToTheNonStreamedOnes() {
    ChatCompletionCreateParams params =
        HELLO.toBuilder()
            .addFunctionTool(ChatCompletionsTest.WEATHER)
            .addFunctionTool(ChatCompletionsTest.TIME)
            .build();
    ChatCompletion whole = openai.chat().completions().create(params);

    ChatCompletion streamed = streamAndAccumulate(params);

    assertThat(streamed.choices().getFirst().message().toolCalls().orElseThrow())
        .hasSize(2)
        .isEqualTo(whole.choices().getFirst().message().toolCalls().orElseThrow());
    assertThat(streamed.choices().getFirst().finishReason())
        .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
  }

  @Test
  void aStreamIsDataEventsEndingWithDone() throws Exception {
    var response = http.post("/v1/chat/completions", STREAMED_HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("text/event-stream; charset=utf-8");
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    String body = response.body();
    assertThat(body).endsWith("\n\ndata: [DONE]\n\n").startsWith("data: {");
    for (String event : body.split("\n\n")) {
      assertThat(event).startsWith("data: ").doesNotContain("\n");
    }
  }

  @Test
  void aTextStreamHasTheChunksOfOpenAisDocumentedStream() throws Exception {
    List<String> expected = Fixtures.events("chat-completion-stream-with-usage.txt");

    List<String> events = dataEvents(http.post("/v1/chat/completions", STREAMED_HELLO).body());

    // role, "Hello " ... "there", finish, usage, [DONE]
    assertThat(events).hasSize(1 + 9 + 1 + 1 + 1);
    JsonShape.assertSameShape(json(expected.getFirst()), json(events.getFirst()));
    for (String content : events.subList(1, 10)) {
      JsonShape.assertSameShape(json(expected.get(1)), json(content));
    }
    JsonShape.assertSameShape(json(expected.get(3)), json(events.get(10)));
    JsonShape.assertSameShape(json(expected.get(4)), json(events.get(11)));
    assertThat(events.getLast()).isEqualTo("[DONE]");
    JsonNode first = json(events.getFirst());
    assertThat(first.at("/choices/0/delta/content").asText()).isEmpty();
    assertThat(first.at("/choices/0/delta/refusal").isNull()).isTrue();
    assertThat(json(events.get(1)).at("/choices/0/delta/content").asText()).isEqualTo("Hello ");
    assertThat(json(events.get(10)).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(json(events.get(11)).at("/usage/total_tokens").asInt()).isEqualTo(2 + 9);
  }

  @Test
  void everyChunkHasTheSameIdCreatedAndModel() throws Exception {
    List<JsonNode> chunks =
        dataEvents(http.post("/v1/chat/completions", STREAMED_HELLO).body()).stream()
            .filter(e -> !e.equals("[DONE]"))
            .map(RawHttp::json)
            .toList();

    assertThat(chunks).extracting(c -> c.get("id")).containsOnly(chunks.getFirst().get("id"));
    assertThat(chunks)
        .extracting(c -> c.get("created"))
        .containsOnly(chunks.getFirst().get("created"));
    assertThat(chunks).extracting(c -> c.path("model").asText()).containsOnly("gpt-4o-mini");
    assertThat(chunks)
        .extracting(c -> c.path("object").asText())
        .containsOnly("chat.completion.chunk");
  }

  @Test
  void withoutIncludeUsageNoChunkHasAUsageKey() throws Exception {
    List<String> events =
        dataEvents(
            http.post(
                    "/v1/chat/completions",
                    STREAMED_HELLO.replace(",\"stream_options\":{\"include_usage\":true}", ""))
                .body());

    for (String event : events.subList(0, events.size() - 1)) {
      assertThat(json(event).has("usage")).isFalse();
      assertThat(json(event).get("choices")).hasSize(1);
    }
  }

  @Test
  void parallelToolCallsStreamAsOpenAisDocumentedStream() throws Exception {
    List<String> expected = Fixtures.events("chat-completion-stream-parallel-tool-calls.txt");

    List<String> events = dataEvents(http.post("/v1/chat/completions", STREAMED_TOOLS).body());

    JsonShape.assertSameShape(json(expected.get(0)), json(events.get(0)));
    List<JsonNode> toolCallDeltas = new ArrayList<>();
    for (String event : events.subList(1, events.size() - 2)) {
      toolCallDeltas.add(json(event).at("/choices/0/delta/tool_calls/0"));
      String kind = json(event).at("/choices/0/delta/tool_calls/0").has("id") ? "opening" : "piece";
      JsonShape.assertSameShape(json(expected.get(kind.equals("opening") ? 1 : 2)), json(event));
    }
    JsonShape.assertSameShape(json(expected.get(5)), json(events.get(events.size() - 2)));
    assertThat(events.getLast()).isEqualTo("[DONE]");
    // Calls stream one after the other: all of index 0, then all of index 1.
    assertThat(toolCallDeltas).extracting(d -> d.path("index").asInt()).isSorted();
    StringBuilder weather = new StringBuilder();
    for (JsonNode delta : toolCallDeltas) {
      if (delta.path("index").asInt() == 0) {
        weather.append(delta.at("/function/arguments").asText());
      }
    }
    assertThat(weather.toString()).isEqualTo("{\"city\":\"sample\"}");
  }

  @Test
  void aSingleToolCallOpensInTheFirstDeltaWithTheRole() throws Exception {
    String oneCall =
        STREAMED_TOOLS.replace(
            "\"stream\":true,", "\"stream\":true,\"parallel_tool_calls\":false,");

    List<String> events = dataEvents(http.post("/v1/chat/completions", oneCall).body());

    JsonNode delta = json(events.getFirst()).at("/choices/0/delta");
    assertThat(delta.properties().stream().map(e -> e.getKey()))
        .containsExactly("role", "content", "tool_calls", "refusal");
    assertThat(delta.get("content").isNull()).isTrue();
    assertThat(delta.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
    assertThat(delta.at("/tool_calls/0/function/arguments").asText()).isEmpty();
  }

  @Test
  void choicesInterleaveAndEachEndsWithItsOwnFinishChunk() throws Exception {
    List<JsonNode> chunks =
        dataEvents(
                http.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"n\":2,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                    .body())
            .stream()
            .filter(e -> !e.equals("[DONE]"))
            .map(RawHttp::json)
            .toList();

    assertThat(chunks).allSatisfy(c -> assertThat(c.get("choices")).hasSize(1));
    assertThat(chunks.subList(0, 2))
        .extracting(c -> c.at("/choices/0/index").asInt())
        .containsExactly(0, 1);
    assertThat(chunks.subList(0, 2))
        .extracting(c -> c.at("/choices/0/delta/role").asText())
        .containsOnly("assistant");
    assertThat(chunks.subList(chunks.size() - 2, chunks.size()))
        .extracting(c -> c.at("/choices/0/finish_reason").asText())
        .containsOnly("stop");
    StringBuilder second = new StringBuilder();
    chunks.stream()
        .filter(c -> c.at("/choices/0/index").asInt() == 1)
        .forEach(c -> second.append(c.at("/choices/0/delta/content").asText("")));
    assertThat(second.toString()).isEqualTo("Hello from the fake OpenAI. You said: Hi");
  }

  @Test
  void aLegacyCompletionStreamsWholeTextCompletionObjects() throws Exception {
    List<String> events =
        dataEvents(
            http.post(
                    "/v1/completions",
                    "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\",\"stream\":true,"
                        + "\"stream_options\":{\"include_usage\":true}}")
                .body());

    StringBuilder text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 2)) {
      JsonNode chunk = json(event);
      assertThat(chunk.path("object").asText()).isEqualTo("text_completion");
      text.append(chunk.at("/choices/0/text").asText());
    }
    assertThat(text.toString()).isEqualTo("Hello from the fake OpenAI. You said: Say hi");
    assertThat(json(events.get(events.size() - 3)).at("/choices/0/finish_reason").asText())
        .isEqualTo("stop");
    JsonNode usage = json(events.get(events.size() - 2));
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(9);
    assertThat(events.getLast()).isEqualTo("[DONE]");
  }
}
