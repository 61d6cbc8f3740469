package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/messages} and {@code /v1/messages/count_tokens} in Anthropic's own format, as
 * Anthropic's SDKs call them, through the routing pipeline.
 */
class AnthropicMessagesTest {
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;

  /** As Anthropic's SDKs send them, plus Portkey's provider header. */
  static final String[] SDK_HEADERS = {
    "x-portkey-provider", "anthropic", "x-api-key", "sk-ant-sdk", "anthropic-version", "2023-06-01"
  };

  static final String MESSAGE =
      """
      {"model":"claude-sonnet-4-5","max_tokens":64,"system":"Be brief.",
       "messages":[{"role":"user","content":[{"type":"text","text":"Hello there","cache_control":{"type":"ephemeral"}}]}],
       "a_future_field":{"kept":true}}\
      """;

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

  static RecordedRequest upstream() throws InterruptedException {
    RecordedRequest request = anthropic.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  /** One event of an Anthropic stream. */
  record Event(String name, JsonNode data) {}

  /** Parses a body framed exactly as {@code event: <type>\ndata: <json>\n\n}, nothing else. */
  static List<Event> events(String body) {
    List<Event> events = new ArrayList<>();
    assertThat(body).endsWith("\n\n");
    for (String frame : body.substring(0, body.length() - 2).split("\n\n", -1)) {
      String[] lines = frame.split("\n", -1);
      assertThat(lines).hasSize(2);
      assertThat(lines[0]).startsWith("event: ");
      assertThat(lines[1]).startsWith("data: ");
      events.add(new Event(lines[0].substring(7), WireJson.tree(lines[1].substring(6))));
    }
    return events;
  }

  @Test
  void passesTheBodyThroughAndAnswersAnthropicsMessage() throws InterruptedException {
    HttpResponse<String> response = gateway.postJson("/v1/messages", MESSAGE, SDK_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(WireJson.tree(sent.body())).isEqualTo(WireJson.tree(MESSAGE));
    assertThat(sent.header("x-api-key")).isEqualTo("sk-ant-sdk");
    assertThat(sent.header("anthropic-version")).isEqualTo("2023-06-01");
    JsonNode message = json(response);
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.at("/content/0/text").asText())
        .isEqualTo("Hello from the fake Anthropic. You said: Hello there");
    assertThat(message.path("stop_reason").asText()).isEqualTo("end_turn");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("anthropic");
    assertThat(response.headers().firstValue("request-id")).isPresent();
  }

  @Test
  void streamsAnthropicsEventsThroughUnchanged() {
    anthropic.enqueue(
        AnthropicReply.builder()
            .thinking("Hmm.", "sig-1")
            .toolUse("toolu_1", "lookup", "{\"q\":\"x\"}")
            .build());
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages", MESSAGE.replaceFirst("\\{", "{\"stream\":true,"), SDK_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    List<Event> events = events(response.body());
    events.forEach(e -> assertThat(e.data().path("type").asText()).isEqualTo(e.name()));
    assertThat(events.stream().map(Event::name).toList())
        .containsExactly(
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    assertThat(events.get(4).data().at("/delta/signature").asText()).isEqualTo("sig-1");
    assertThat(events.get(11).data().at("/delta/stop_reason").asText()).isEqualTo("tool_use");
  }

  @Test
  void aMidStreamErrorIsAnthropicsErrorEvent() {
    anthropic.enqueue(Fault.streamError(3, 529));
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages", MESSAGE.replaceFirst("\\{", "{\"stream\":true,"), SDK_HEADERS);

    List<Event> events = events(response.body());
    assertThat(events).hasSize(4);
    assertThat(events.getLast().name()).isEqualTo("error");
    assertThat(events.getLast().data())
        .isEqualTo(
            WireJson.tree(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
  }

  @Test
  void aStreamCutBeforeMessageStopEndsWithAnErrorEvent() {
    anthropic.enqueue(Fault.cutStreamAfter(4));
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages", MESSAGE.replaceFirst("\\{", "{\"stream\":true,"), SDK_HEADERS);

    List<Event> events = events(response.body());
    assertThat(events.getLast().name()).isEqualTo("error");
    assertThat(events.getLast().data().at("/error/type").asText()).isEqualTo("api_error");
    assertThat(events).noneSatisfy(e -> assertThat(e.name()).isEqualTo("message_stop"));
  }

  @Test
  void countsTokens() throws InterruptedException {
    String count =
        "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
    HttpResponse<String> response =
        gateway.postJson("/v1/messages/count_tokens", count, SDK_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response)).isEqualTo(WireJson.tree("{\"input_tokens\":3}"));
    RecordedRequest sent = upstream();
    assertThat(sent.path()).isEqualTo("/v1/messages/count_tokens");
    assertThat(WireJson.tree(sent.body())).isEqualTo(WireJson.tree(count));
  }

  @Test
  void fallsBackToTheSecondTargetOn529() throws InterruptedException {
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + "{\"provider\":\"anthropic\",\"api_key\":\"sk-first\"},"
            + "{\"provider\":\"anthropic\",\"api_key\":\"sk-second\"}]}";
    anthropic.enqueue(Fault.status(529));

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages", MESSAGE, "x-portkey-config", config, "anthropic-version", "2023-06-01");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(upstream().header("x-api-key")).isEqualTo("sk-first");
    assertThat(upstream().header("x-api-key")).isEqualTo("sk-second");
  }

  @Test
  void retriesOn529WhenTheConfigListsIt() throws InterruptedException {
    List<java.time.Duration> waits = new ArrayList<>();
    String config =
        "{\"provider\":\"anthropic\",\"api_key\":\"k\","
            + "\"retry\":{\"attempts\":2,\"on_status_codes\":[529]}}";
    try (GatewayUnderTest retrying =
        GatewayUnderTest.withEngine(
            dev.switchboard.engine.GatewaySettings.builder()
                .providerBaseUrl("anthropic", java.net.URI.create(anthropic.baseUrl()))
                .build(),
            engine -> engine.sleeper(waits::add))) {
      anthropic.enqueue(Fault.status(529));

      HttpResponse<String> response =
          retrying.postJson(
              "/v1/messages",
              MESSAGE,
              "x-portkey-config",
              config,
              "anthropic-version",
              "2023-06-01");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
      assertThat(waits).hasSize(1);
      upstream();
      upstream();
    }
  }

  @Test
  void anErrorBeforeTheFirstEventKeepsItsStatus() {
    anthropic.enqueue(Fault.status(529));
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages", MESSAGE.replaceFirst("\\{", "{\"stream\":true,"), SDK_HEADERS);

    assertThat(response.statusCode()).isEqualTo(529);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("overloaded_error");
  }

  /** A provider without the Messages API answers over its chat (see MessagesOverChatTest). */
  @Test
  void aProviderWithoutTheMessagesApiAnswersOverItsChat() {
    HttpResponse<String> response =
        gateway.postJson("/v1/messages", MESSAGE, "x-portkey-provider", "mock");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).path("type").asText()).isEqualTo("message");
    assertThat(response.headers().firstValue("x-switchboard-dropped"))
        .as("a_future_field has no counterpart in chat")
        .hasValue("a_future_field");
  }
}
