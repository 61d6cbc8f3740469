package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.AnthropicMessagesTest.Event;
import dev.switchboard.testkit.BedrockFault;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/messages} and {@code /v1/messages/count_tokens} for {@code bedrock} targets:
 * Anthropic's format in and out, through InvokeModel, InvokeModelWithResponseStream and
 * CountTokens, driven by the official Anthropic Java SDK pointed at the gateway.
 */
class BedrockMessagesTest {
  static final String MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  static final String MODEL_IN_PATH = "us.anthropic.claude-sonnet-4-5-20250929-v1%3A0";

  static final String[] AWS_HEADERS = {
    "x-portkey-provider", "bedrock",
    "x-portkey-aws-access-key-id", FakeBedrock.DEFAULT_ACCESS_KEY_ID,
    "x-portkey-aws-secret-access-key", FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
    "x-portkey-aws-region", FakeBedrock.DEFAULT_REGION,
    "anthropic-version", "2023-06-01"
  };

  static final Tool WEATHER =
      Tool.builder()
          .name("get_weather")
          .description("Weather in a city")
          .inputSchema(
              Tool.InputSchema.builder()
                  .properties(
                      Tool.InputSchema.Properties.builder()
                          .putAdditionalProperty("city", JsonValue.from(Map.of("type", "string")))
                          .build())
                  .required(List.of("city"))
                  .build())
          .build();

  static FakeBedrock bedrock;
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;
  static AnthropicClient claude;

  @BeforeAll
  static void start() {
    bedrock = FakeBedrock.start();
    anthropic = FakeAnthropic.start();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder()
                .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                .build(),
            engine -> {});
    claude =
        AnthropicOkHttpClient.builder()
            .baseUrl(gateway.uri("/").toString())
            .apiKey("unused-by-bedrock")
            .putHeader("x-portkey-provider", "bedrock")
            .putHeader("x-portkey-aws-access-key-id", FakeBedrock.DEFAULT_ACCESS_KEY_ID)
            .putHeader("x-portkey-aws-secret-access-key", FakeBedrock.DEFAULT_SECRET_ACCESS_KEY)
            .putHeader("x-portkey-aws-region", FakeBedrock.DEFAULT_REGION)
            .maxRetries(0)
            .build();
  }

  @AfterAll
  static void stop() {
    claude.close();
    gateway.close();
    anthropic.close();
    bedrock.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (bedrock.takeRequest(Duration.ofMillis(1)) != null) {
      // drain what earlier tests sent
    }
  }

  static RecordedRequest upstream() throws InterruptedException {
    RecordedRequest request = bedrock.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  /** A call the fake accepted as signed by the gateway's credentials, for its region. */
  static void assertSigned(RecordedRequest request) {
    assertThat(request.header("authorization"))
        .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.DEFAULT_ACCESS_KEY_ID + "/")
        .contains("/" + FakeBedrock.DEFAULT_REGION + "/bedrock/aws4_request");
    assertThat(request.header("x-amz-date")).isNotBlank();
    assertThat(bedrock.refusedSignatures()).isZero();
  }

  static MessageCreateParams.Builder hello() {
    return MessageCreateParams.builder()
        .model(MODEL)
        .maxTokens(256)
        .system("Be brief.")
        .addUserMessage("Hello there");
  }

  @Test
  void answersAMessageThroughASignedInvokeModelCall() throws InterruptedException {
    bedrock.enqueue(ConverseReply.text("Hello from Claude on Bedrock").withUsage(9, 5));

    Message message = claude.messages().create(hello().build());

    assertThat(message.content()).hasSize(1);
    assertThat(message.content().getFirst().asText().text())
        .isEqualTo("Hello from Claude on Bedrock");
    assertThat(message.model().asString()).isEqualTo(MODEL);
    assertThat(message.stopReason()).contains(StopReason.END_TURN);
    assertThat(message.usage().inputTokens()).isEqualTo(9);
    assertThat(message.usage().outputTokens()).isEqualTo(5);

    RecordedRequest call = upstream();
    assertThat(call.method()).isEqualTo("POST");
    assertThat(call.path()).isEqualTo("/model/" + MODEL_IN_PATH + "/invoke");
    assertSigned(call);
    JsonNode body = call.json();
    assertThat(body.has("model")).isFalse();
    assertThat(body.has("stream")).isFalse();
    assertThat(body.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(256);
    assertThat(body.path("system").asText()).isEqualTo("Be brief.");
    assertThat(body.path("messages"))
        .isEqualTo(WireJson.tree("[{\"role\":\"user\",\"content\":\"Hello there\"}]"));
  }

  @Test
  void streamsAMessageThroughInvokeModelWithResponseStream() throws InterruptedException {
    bedrock.enqueue(ConverseReply.text("Streamed from Claude on Bedrock"));

    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        claude.messages().createStreaming(hello().build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message message = accumulator.message();

    assertThat(message.content().getFirst().asText().text())
        .isEqualTo("Streamed from Claude on Bedrock");
    assertThat(message.model().asString()).isEqualTo(MODEL);
    assertThat(message.stopReason()).contains(StopReason.END_TURN);

    RecordedRequest call = upstream();
    assertThat(call.path()).isEqualTo("/model/" + MODEL_IN_PATH + "/invoke-with-response-stream");
    assertSigned(call);
    assertThat(call.json().has("stream")).isFalse();
    assertThat(call.json().has("model")).isFalse();
    assertThat(call.json().path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
  }

  @Test
  void reEmitsEachChunkAsAnAnthropicServerSentEvent() {
    bedrock.enqueue(
        ConverseReply.toolUse(new ConverseReply.ToolUse("toolu_x1", "get_weather", "{\"a\":1}"))
            .withTextFirst("Checking now."));

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":64,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}",
            AWS_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
    List<Event> events = AnthropicMessagesTest.events(response.body());
    assertThat(events.stream().map(Event::name))
        .containsExactly(
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop");
    for (Event event : events) {
      assertThat(event.data().path("type").asText()).isEqualTo(event.name());
    }
    assertThat(events.getFirst().data().path("message").path("model").asText()).isEqualTo(MODEL);
    assertThat(
            events.get(2).data().at("/delta/text").asText()
                + events.get(3).data().at("/delta/text").asText())
        .isEqualTo("Checking now.");
    assertThat(events.get(5).data().path("content_block").path("id").asText())
        .isEqualTo("toolu_x1");
    assertThat(events.get(6).data().path("delta").path("partial_json").asText())
        .isEqualTo("{\"a\":1}");
    assertThat(events.get(8).data().path("delta").path("stop_reason").asText())
        .isEqualTo("tool_use");
    assertThat(response.body()).doesNotContain("[DONE]");
  }

  @Test
  void runsAParallelToolUseLoop() throws InterruptedException {
    bedrock.enqueue(
        ConverseReply.toolUse(
            new ConverseReply.ToolUse("toolu_paris", "get_weather", "{\"city\":\"Paris\"}"),
            new ConverseReply.ToolUse("toolu_rome", "get_weather", "{\"city\":\"Rome\"}")));
    bedrock.enqueue(ConverseReply.text("Paris is sunny, Rome is rainy."));

    MessageCreateParams.Builder conversation =
        MessageCreateParams.builder()
            .model(MODEL)
            .maxTokens(512)
            .addTool(WEATHER)
            .addUserMessage("Weather in Paris and Rome?");
    Message answer = claude.messages().create(conversation.build());
    int turns = 1;
    while (answer.stopReason().orElseThrow().equals(StopReason.TOOL_USE)) {
      conversation.addMessage(answer);
      List<ContentBlockParam> results = new ArrayList<>();
      for (ContentBlock block : answer.content()) {
        if (block.isToolUse()) {
          ToolUseBlock use = block.asToolUse();
          String city = use._input().convert(JsonNode.class).path("city").asText();
          results.add(
              ContentBlockParam.ofToolResult(
                  ToolResultBlockParam.builder()
                      .toolUseId(use.id())
                      .content(city.equals("Paris") ? "18C and sunny" : "12C and rainy")
                      .build()));
        }
      }
      conversation.addUserMessageOfContentBlockParams(results);
      answer = claude.messages().create(conversation.build());
      turns++;
    }

    assertThat(turns).isEqualTo(2);
    assertThat(answer.content().getFirst().asText().text())
        .isEqualTo("Paris is sunny, Rome is rainy.");
    RecordedRequest first = upstream();
    assertThat(first.json().path("tools").get(0).path("name").asText()).isEqualTo("get_weather");
    RecordedRequest second = upstream();
    assertSigned(second);
    JsonNode messages = second.json().path("messages");
    assertThat(messages).hasSize(3);
    JsonNode uses = messages.get(1).path("content");
    assertThat(uses.findValuesAsText("id")).containsExactly("toolu_paris", "toolu_rome");
    JsonNode results = messages.get(2).path("content");
    assertThat(results.findValuesAsText("tool_use_id"))
        .containsExactly("toolu_paris", "toolu_rome");
    assertThat(results.findValuesAsText("content"))
        .containsExactly("18C and sunny", "12C and rainy");
  }

  @Test
  void streamsParallelToolUseThatTheSdkReassembles() {
    bedrock.enqueue(
        ConverseReply.toolUse(
            new ConverseReply.ToolUse("toolu_a", "get_weather", "{\"city\":\"Paris\"}"),
            new ConverseReply.ToolUse("toolu_b", "get_weather", "{\"city\":\"Rome\"}")));

    MessageAccumulator accumulator = MessageAccumulator.create();
    try (StreamResponse<RawMessageStreamEvent> stream =
        claude
            .messages()
            .createStreaming(
                MessageCreateParams.builder()
                    .model(MODEL)
                    .maxTokens(512)
                    .addTool(WEATHER)
                    .addUserMessage("Weather in Paris and Rome?")
                    .build())) {
      stream.stream().forEach(accumulator::accumulate);
    }
    Message message = accumulator.message();

    assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(message.content()).hasSize(2);
    assertThat(message.content().stream().map(b -> b.asToolUse().id()))
        .containsExactly("toolu_a", "toolu_b");
    assertThat(
            message.content().stream()
                .map(b -> b.asToolUse()._input().convert(JsonNode.class).path("city").asText()))
        .containsExactly("Paris", "Rome");
  }

  @Test
  void countsTokensThroughBedrocksCountTokens() throws InterruptedException {
    long tokens =
        claude
            .messages()
            .countTokens(
                MessageCountTokensParams.builder()
                    .model(MODEL)
                    .system("Be brief.")
                    .addUserMessage("How many tokens is this?")
                    .build())
            .inputTokens();

    // The fake counts words: "Be brief." and "How many tokens is this?"
    assertThat(tokens).isEqualTo(7);
    RecordedRequest call = upstream();
    assertThat(call.path()).isEqualTo("/model/" + MODEL_IN_PATH + "/count-tokens");
    assertSigned(call);
    JsonNode invoke =
        WireJson.tree(
            new String(
                Base64.getDecoder()
                    .decode(call.json().path("input").path("invokeModel").path("body").asText()),
                StandardCharsets.UTF_8));
    assertThat(invoke.has("model")).isFalse();
    assertThat(invoke.path("anthropic_version").asText()).isEqualTo("bedrock-2023-05-31");
    assertThat(invoke.path("max_tokens").asInt()).isEqualTo(1);
    assertThat(invoke.path("messages").get(0).path("content").asText())
        .isEqualTo("How many tokens is this?");
  }

  @Test
  void sendsTheBetaHeaderInTheBodyAsAList() throws InterruptedException {
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            concat(
                AWS_HEADERS,
                "anthropic-beta",
                "context-1m-2025-08-07, interleaved-thinking-2025-05-14"));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = upstream().json();
    assertThat(body.path("anthropic_beta"))
        .isEqualTo(
            WireJson.tree("[\"context-1m-2025-08-07\",\"interleaved-thinking-2025-05-14\"]"));
    assertThat(upstream(Duration.ofMillis(1))).isNull();
  }

  @Test
  void keepsAnAnthropicVersionTheClientPutInTheBody() throws InterruptedException {
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"anthropic_version\":\"bedrock-2099-01-01\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"a_future_field\":7}",
            AWS_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = upstream().json();
    assertThat(body.path("anthropic_version").asText()).isEqualTo("bedrock-2099-01-01");
    assertThat(body.path("a_future_field").asInt()).isEqualTo(7);
  }

  /** Another vendor's model is served over Converse by the gateway's bridge (issue 19). */
  @Test
  void servesAModelThatIsNotAnthropicsOverConverse() {
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\"amazon.nova-pro-v1:0\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            AWS_HEADERS);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).path("type").asText()).isEqualTo("message");
    assertThat(json(response).path("id").asText()).startsWith("msg_");
    assertThat(bedrock.requests().getLast().path())
        .contains("amazon.nova-pro-v1")
        .endsWith("/converse");
  }

  @Test
  void throttlingIsA429TheSdkRecognises() {
    bedrock.enqueue(BedrockFault.throttling());

    assertThatThrownBy(() -> claude.messages().create(hello().build()))
        .isInstanceOf(RateLimitException.class)
        .hasMessageContaining("Too many requests");
  }

  @Test
  void anExceptionFrameBeforeTheFirstEventGetsItsStatus() {
    bedrock.enqueue(
        BedrockFault.streamException(0, "serviceUnavailableException", "Bedrock is busy."));

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":16,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            AWS_HEADERS);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(json(response).path("error").path("message").asText()).contains("Bedrock is busy.");
    assertThat(json(response).path("error").path("type").asText())
        .isEqualTo("ServiceUnavailableException");
  }

  @Test
  void anExceptionFrameMidStreamEndsWithAnAnthropicErrorEvent() {
    bedrock.enqueue(
        BedrockFault.streamException(3, "modelStreamErrorException", "The model broke off."));

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":16,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi there you\"}]}",
            AWS_HEADERS);

    assertThat(response.statusCode()).isEqualTo(200);
    List<Event> events = AnthropicMessagesTest.events(response.body());
    assertThat(events).hasSize(4);
    assertThat(events.stream().map(Event::name).toList().subList(0, 3))
        .containsExactly("message_start", "content_block_start", "content_block_delta");
    Event error = events.getLast();
    assertThat(error.name()).isEqualTo("error");
    assertThat(error.data().path("type").asText()).isEqualTo("error");
    assertThat(error.data().path("error").path("type").asText())
        .isEqualTo("ModelStreamErrorException");
    assertThat(error.data().path("error").path("message").asText())
        .isEqualTo("The model broke off.");
  }

  @Test
  void aStreamCutShortIsAnErrorNotACompleteAnswer() {
    bedrock.enqueue(BedrockFault.cutStreamAfter(2));

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\""
                + MODEL
                + "\",\"max_tokens\":16,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi there you\"}]}",
            AWS_HEADERS);

    List<Event> events = AnthropicMessagesTest.events(response.body());
    assertThat(events.getLast().name()).isEqualTo("error");
    assertThat(events.stream().map(Event::name)).doesNotContain("message_stop");
  }

  @Test
  void fallsBackFromAnOverloadedAnthropicToClaudeOnBedrock() throws InterruptedException {
    anthropic.enqueue(Fault.status(529));
    bedrock.enqueue(ConverseReply.text("Answered by Bedrock"));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"anthropic","api_key":"sk-ant-fallback"},
          {"provider":"bedrock","aws_access_key_id":"%s","aws_secret_access_key":"%s",
           "aws_region":"%s","override_params":{"model":"%s"}}]}
        """
            .formatted(
                FakeBedrock.DEFAULT_ACCESS_KEY_ID,
                FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
                FakeBedrock.DEFAULT_REGION,
                MODEL);
    AnthropicClient routed =
        AnthropicOkHttpClient.builder()
            .baseUrl(gateway.uri("/").toString())
            .apiKey("unused")
            .putHeader("x-portkey-config", config.replace("\n", ""))
            .maxRetries(0)
            .build();
    try {
      Message message =
          routed
              .messages()
              .create(
                  MessageCreateParams.builder()
                      .model("claude-sonnet-4-5")
                      .maxTokens(64)
                      .addUserMessage("Hi")
                      .build());

      assertThat(message.content().getFirst().asText().text()).isEqualTo("Answered by Bedrock");
      assertThat(message.model().asString()).isEqualTo(MODEL);
    } finally {
      routed.close();
    }
    assertThat(anthropic.requestCount()).isPositive();
    RecordedRequest call = upstream();
    assertThat(call.path()).isEqualTo("/model/" + MODEL_IN_PATH + "/invoke");
    assertSigned(call);
  }

  static RecordedRequest upstream(Duration wait) throws InterruptedException {
    return bedrock.takeRequest(wait);
  }

  static String[] concat(String[] headers, String... more) {
    String[] all = new String[headers.length + more.length];
    System.arraycopy(headers, 0, all, 0, headers.length);
    System.arraycopy(more, 0, all, headers.length, more.length);
    return all;
  }
}
