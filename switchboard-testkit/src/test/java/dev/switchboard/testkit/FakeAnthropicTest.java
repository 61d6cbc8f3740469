package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link FakeAnthropic} speaks Anthropic's Messages API: shapes, framing, validation, faults. */
class FakeAnthropicTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String HELLO =
      """
      {"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"Hello fake"}]}\
      """;

  static FakeAnthropic anthropic;

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
  }

  @AfterAll
  static void stop() {
    anthropic.close();
  }

  /** One Anthropic SSE event: its {@code event:} name and its data. */
  record Event(String name, JsonNode data) {}

  static HttpResponse<String> post(String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(anthropic.origin() + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static HttpResponse<String> messages(String body) {
    return post(
        "/v1/messages", body, "x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01");
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Parses a body framed exactly as {@code event: <type>\ndata: <json>\n\n}, nothing else. */
  static List<Event> events(String body) {
    List<Event> events = new ArrayList<>();
    assertThat(body).endsWith("\n\n");
    for (String frame : body.substring(0, body.length() - 2).split("\n\n", -1)) {
      String[] lines = frame.split("\n", -1);
      assertThat(lines).hasSize(2);
      assertThat(lines[0]).startsWith("event: ");
      assertThat(lines[1]).startsWith("data: ");
      events.add(new Event(lines[0].substring(7), json(lines[1].substring(6))));
    }
    return events;
  }

  @Test
  void answersAMessageInAnthropicsShape() {
    var response = messages(HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("request-id"))
        .hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
    JsonNode message = json(response.body());
    assertThat(message.path("id").asText()).startsWith("msg_");
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
    assertThat(message.at("/content/0/text").asText())
        .isEqualTo("Hello from the fake Anthropic. You said: Hello fake");
    assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(message.get("stop_sequence").isNull()).isTrue();
    assertThat(message.at("/usage/input_tokens").asInt()).isPositive();
    assertThat(message.at("/usage/output_tokens").asInt()).isEqualTo(9);
  }

  @Test
  void streamsEventsInAnthropicsOrderAndFraming() {
    var response = messages(HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    List<Event> events = events(response.body());
    events.forEach(e -> assertThat(e.data().path("type").asText()).isEqualTo(e.name()));
    List<String> names = events.stream().map(Event::name).toList();
    assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
    assertThat(names.subList(names.size() - 3, names.size()))
        .containsExactly("content_block_stop", "message_delta", "message_stop");
    StringBuilder text = new StringBuilder();
    events.stream()
        .filter(e -> e.name().equals("content_block_delta"))
        .forEach(e -> text.append(e.data().at("/delta/text").asText()));
    assertThat(text).hasToString("Hello from the fake Anthropic. You said: Hello fake");
    assertThat(events.get(events.size() - 2).data().at("/delta/stop_reason").asText())
        .isEqualTo("end_turn");
  }

  @Test
  void streamsScriptedThinkingAndParallelToolUse() {
    anthropic.enqueue(
        AnthropicReply.builder()
            .thinking("Two cities.", "sig-1")
            .toolUse("toolu_a", "get_weather", "{\"city\":\"Paris\"}")
            .toolUse("toolu_b", "get_weather", "{\"city\":\"Rome\"}")
            .cacheTokens(40, 2)
            .build());
    var response = messages(HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""));

    List<Event> events = events(response.body());
    List<JsonNode> starts =
        events.stream()
            .filter(e -> e.name().equals("content_block_start"))
            .map(e -> e.data().get("content_block"))
            .toList();
    assertThat(starts)
        .extracting(b -> b.path("type").asText())
        .containsExactly("thinking", "tool_use", "tool_use");
    assertThat(starts.get(1).path("id").asText()).isEqualTo("toolu_a");
    assertThat(starts.get(2).path("name").asText()).isEqualTo("get_weather");
    StringBuilder second = new StringBuilder();
    events.stream()
        .filter(e -> e.name().equals("content_block_delta") && e.data().path("index").asInt() == 2)
        .forEach(e -> second.append(e.data().at("/delta/partial_json").asText()));
    assertThat(json(second.toString())).isEqualTo(json("{\"city\":\"Rome\"}"));
    assertThat(events)
        .anySatisfy(
            e -> assertThat(e.data().at("/delta/type").asText()).isEqualTo("signature_delta"));
    assertThat(events.getFirst().data().at("/message/usage/cache_read_input_tokens").asInt())
        .isEqualTo(40);
    assertThat(events.get(events.size() - 2).data().at("/delta/stop_reason").asText())
        .isEqualTo("tool_use");
  }

  @Test
  void requiresAnApiKeyAndAVersion() {
    var noKey = post("/v1/messages", HELLO, "anthropic-version", "2023-06-01");
    var noVersion = post("/v1/messages", HELLO, "x-api-key", "sk-ant-test");

    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(json(noKey.body()).at("/error/type").asText()).isEqualTo("authentication_error");
    assertThat(json(noKey.body()).path("type").asText()).isEqualTo("error");
    assertThat(noVersion.statusCode()).isEqualTo(400);
    assertThat(json(noVersion.body()).at("/error/message").asText())
        .isEqualTo("anthropic-version: header is required");
  }

  @Test
  void refusesWhatAnthropicRefuses() {
    var noMaxTokens =
        messages("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    var systemRole =
        messages(
            "{\"model\":\"claude\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}");
    var unansweredToolUse =
        messages(
            """
            {"model":"claude","max_tokens":5,"messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"w","input":{}}]},
              {"role":"user","content":"never mind"}]}\
            """);

    assertThat(noMaxTokens.statusCode()).isEqualTo(400);
    assertThat(json(noMaxTokens.body()).at("/error/type").asText())
        .isEqualTo("invalid_request_error");
    assertThat(json(noMaxTokens.body()).at("/error/message").asText())
        .isEqualTo("max_tokens: Field required");
    assertThat(systemRole.statusCode()).isEqualTo(400);
    assertThat(unansweredToolUse.statusCode()).isEqualTo(400);
    assertThat(json(unansweredToolUse.body()).at("/error/message").asText())
        .contains(
            "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1");
  }

  @Test
  void acceptsParallelToolResultsAndAnswersFromThem() {
    var response =
        messages(
            """
            {"model":"claude","max_tokens":50,"messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":[
                {"type":"tool_use","id":"toolu_1","name":"w","input":{"city":"Paris"}},
                {"type":"tool_use","id":"toolu_2","name":"w","input":{"city":"Rome"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},
                {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"rainy"}]}]}]}\
            """);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response.body()).at("/content/0/text").asText())
        .isEqualTo("Tool results: sunny; rainy");
  }

  @Test
  void faultsAnswerInAnthropicsErrorShape() {
    anthropic.enqueue(Fault.status(529));
    anthropic.enqueue(Fault.status(429).withHeader("retry-after", "7"));
    var overloaded = messages(HELLO);
    var limited = messages(HELLO);

    assertThat(overloaded.statusCode()).isEqualTo(529);
    assertThat(json(overloaded.body()).at("/error/type").asText()).isEqualTo("overloaded_error");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(json(limited.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
    assertThat(limited.headers().firstValue("retry-after")).hasValue("7");
  }

  @Test
  void aStreamErrorEndsTheStreamWithAnErrorEvent() {
    anthropic.enqueue(Fault.streamError(3, 529));
    var response = messages(HELLO.replace("{\"model\"", "{\"stream\":true,\"model\""));

    List<Event> events = events(response.body());
    assertThat(events).hasSize(4);
    assertThat(events.getLast().name()).isEqualTo("error");
    assertThat(events.getLast().data().at("/error/type").asText()).isEqualTo("overloaded_error");
  }

  @Test
  void countsTokens() {
    var response =
        post(
            "/v1/messages/count_tokens",
            "{\"model\":\"claude\",\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}",
            "x-api-key",
            "k",
            "anthropic-version",
            "2023-06-01");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response.body()).path("input_tokens").asInt()).isEqualTo(5);
  }
}
