package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FakeCohere speaks Cohere's v2 chat and embed: framing, events, validation and errors. */
class FakeCohereTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static FakeCohere cohere;

  @BeforeAll
  static void start() {
    cohere = FakeCohere.start();
    cohere.requireApiKey("co-key");
  }

  @AfterAll
  static void stop() {
    cohere.close();
  }

  static HttpResponse<String> post(String path, String body, String key) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(cohere.baseUrl() + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("authorization", "Bearer " + key);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aStreamIsCoheresEventsInOrder() throws Exception {
    cohere.enqueue(
        CohereReply.toolCalls(
            "Let me check.", new CohereReply.ToolCall("get_weather_x1", "get_weather", "{}")));

    HttpResponse<String> response =
        post(
            "/v2/chat",
            "{\"model\":\"command-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "co-key");

    List<String> types = new ArrayList<>();
    for (String event : response.body().split("\n\n")) {
      String[] lines = event.split("\n");
      assertThat(lines[0]).startsWith("event: ");
      assertThat(lines[1]).startsWith("data: ");
      String type = lines[0].substring("event: ".length());
      assertThat(JSON.readTree(lines[1].substring(6)).path("type").asText()).isEqualTo(type);
      if (types.isEmpty() || !types.getLast().equals(type)) {
        types.add(type); // consecutive deltas of one kind counted once
      }
    }
    assertThat(types)
        .containsExactly(
            "message-start",
            "tool-plan-delta",
            "tool-call-start",
            "tool-call-delta",
            "tool-call-end",
            "message-end");
    assertThat(response.body()).doesNotContain("[DONE]");
  }

  @Test
  void refusesWhatV2Refuses() throws Exception {
    HttpResponse<String> noKey =
        post(
            "/v2/chat",
            "{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            null);
    HttpResponse<String> wrongKey =
        post(
            "/v2/chat",
            "{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x");
    HttpResponse<String> unknownField =
        post(
            "/v2/chat",
            "{\"model\":\"c\",\"top_p\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "co-key");
    HttpResponse<String> orphanResult =
        post(
            "/v2/chat",
            "{\"model\":\"c\",\"messages\":[{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"r\"}]}",
            "co-key");

    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrongKey.body()).path("message").asText())
        .isEqualTo("invalid api token");
    assertThat(unknownField.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(unknownField.body()).path("message").asText()).contains("top_p");
    assertThat(orphanResult.statusCode()).isEqualTo(400);
  }

  @Test
  void embedsTextsAsFloats() throws Exception {
    HttpResponse<String> response =
        post(
            "/v2/embed",
            "{\"model\":\"embed-v4.0\",\"texts\":[\"a b\"],\"input_type\":\"search_query\","
                + "\"embedding_types\":[\"float\"]}",
            "co-key");

    JsonNode body = JSON.readTree(response.body());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(body.at("/embeddings/float/0")).hasSize(8);
    assertThat(body.at("/meta/billed_units/input_tokens").asInt()).isEqualTo(2);
    assertThat(body.path("response_type").asText()).isEqualTo("embeddings_by_type");
  }
}
