package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.AnthropicMessagesTest.Event;
import dev.switchboard.server.CrossProviderTranscriptTest.Provider;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 19's round trip in Anthropic's Messages format: the agent turn of {@link
 * CrossProviderTranscriptTest} (system, a user message, two parallel tool uses, their results, a
 * final answer) sent to {@code /v1/messages} for every provider's fake, and {@code mock}, gives the
 * same transcript as the chat-completions path to the same provider; whole and streamed. Anthropic
 * (native) is in the list to show that its path is unchanged; the others are served over their chat
 * completions by the gateway's bridge.
 *
 * <p>The transcript of a Messages conversation is read back into chat's form (text blocks as
 * content, {@code tool_use} as tool calls with the input as arguments, {@code tool_result} as tool
 * messages, the stop reason as the finish reason) and normalised as the chat one is: call ids by
 * order of appearance, so that a result answering the wrong call still fails.
 */
class MessagesOverProvidersTest {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @BeforeAll
  static void start() throws Exception {
    CrossProviderTranscriptTest.start();
  }

  @AfterAll
  static void stop() {
    CrossProviderTranscriptTest.stop();
  }

  static Stream<Provider> providers() {
    Provider mock =
        new Provider(
            "mock",
            "claude-sonnet-4-5",
            "toolu_",
            new String[] {"x-portkey-provider", "mock"},
            () -> {},
            () -> {},
            wait -> null,
            (sent, calls) -> List.of());
    return Stream.concat(
        CrossProviderTranscriptTest.providers()
            // Bedrock's Anthropic models speak Messages natively, as Anthropic does.
            .filter(provider -> !provider.name().equals("bedrock")),
        Stream.of(mock));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theAgentTurnInMessagesFormatGivesTheChatPathsTranscript(Provider provider) {
    JsonNode overChat =
        CrossProviderTranscriptTest.normalised(
            CrossProviderTranscriptTest.runConversation(provider, false));

    List<JsonNode> messages = runConversation(provider, false);

    assertThat(CrossProviderTranscriptTest.normalised(messages)).isEqualTo(overChat);
    for (JsonNode call : messages.get(2).path("tool_calls")) {
      assertThat(call.path("id").asText()).as("Anthropic's tool_use id").startsWith("toolu_");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theStreamedAgentTurnGivesTheSameTranscript(Provider provider) {
    JsonNode whole = CrossProviderTranscriptTest.normalised(runConversation(provider, false));

    List<JsonNode> streamed = runConversation(provider, true);

    assertThat(CrossProviderTranscriptTest.normalised(streamed)).isEqualTo(whole);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void eachStreamReassemblesToTheWholeMessage(Provider provider) {
    ObjectNode request = request(provider, conversationStart());
    provider.scriptToolCalls().run();
    JsonNode whole = complete(provider, request);
    provider.scriptToolCalls().run();
    ObjectNode streamed = assemble(stream(provider, request));

    assertThat(withoutIds(streamed.get("content"))).isEqualTo(withoutIds(whole.get("content")));
    assertThat(streamed.get("stop_reason")).isEqualTo(whole.get("stop_reason"));
    assertThat(streamed.path("stop_reason").asText()).isEqualTo("tool_use");
    for (String figure : List.of("input_tokens", "output_tokens")) {
      assertThat(streamed.path("usage").path(figure).asInt())
          .as(figure)
          .isPositive()
          .isEqualTo(whole.path("usage").path(figure).asInt());
    }
  }

  // --- The conversation, in Messages format ---------------------------------------------------

  /** Runs the turn as an agent does, and returns its transcript in chat's form. */
  static List<JsonNode> runConversation(Provider provider, boolean streaming) {
    ArrayNode messages = conversationStart();
    provider.scriptToolCalls().run();
    JsonNode toolTurn = answer(provider, request(provider, messages), streaming);
    assertThat(toolTurn.path("stop_reason").asText()).isEqualTo("tool_use");
    messages.addObject().put("role", "assistant").set("content", toolTurn.get("content"));
    ArrayNode results = messages.addObject().put("role", "user").putArray("content");
    for (JsonNode block : toolTurn.get("content")) {
      if (block.path("type").asText().equals("tool_use")) {
        String name = block.path("name").asText();
        results
            .addObject()
            .put("type", "tool_result")
            .put("tool_use_id", block.path("id").asText())
            .put(
                "content",
                name.equals("get_weather")
                    ? CrossProviderTranscriptTest.WEATHER
                    : CrossProviderTranscriptTest.TIME);
      }
    }
    assertThat(results).hasSize(2);
    provider.scriptFinalAnswer().run();
    JsonNode finalTurn = answer(provider, request(provider, messages), streaming);

    List<JsonNode> transcript = new ArrayList<>();
    transcript.add(
        NODES
            .objectNode()
            .put("role", "system")
            .put("content", CrossProviderTranscriptTest.SYSTEM));
    transcript.add(
        NODES.objectNode().put("role", "user").put("content", CrossProviderTranscriptTest.USER));
    transcript.add(asChat(toolTurn));
    for (JsonNode result : results) {
      transcript.add(
          NODES
              .objectNode()
              .put("role", "tool")
              .put("tool_call_id", result.path("tool_use_id").asText())
              .put("content", result.path("content").asText()));
    }
    transcript.add(asChat(finalTurn));
    return transcript;
  }

  /** An assistant message in chat's form, as {@link StreamAssembly#of} gives it. */
  static JsonNode asChat(JsonNode message) {
    ObjectNode chat = NODES.objectNode().put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = NODES.arrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "tool_use" -> {
          ObjectNode call = calls.addObject().put("id", block.path("id").asText());
          call.put("type", "function");
          call.putObject("function")
              .put("name", block.path("name").asText())
              .put("arguments", block.path("input").toString());
        }
        default -> throw new AssertionError("unexpected block " + block);
      }
    }
    if (text.isEmpty() && !calls.isEmpty()) {
      chat.putNull("content");
    } else {
      chat.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      chat.set("tool_calls", calls);
    }
    chat.put(
        "finish_reason",
        switch (message.path("stop_reason").asText()) {
          case "tool_use" -> "tool_calls";
          case "end_turn" -> "stop";
          default -> message.path("stop_reason").asText();
        });
    return chat;
  }

  static ArrayNode conversationStart() {
    ArrayNode messages = NODES.arrayNode();
    messages.addObject().put("role", "user").put("content", CrossProviderTranscriptTest.USER);
    return messages;
  }

  static ObjectNode request(Provider provider, ArrayNode messages) {
    ObjectNode request = NODES.objectNode().put("model", provider.model());
    request.put("max_tokens", 256);
    request.put("system", CrossProviderTranscriptTest.SYSTEM);
    request.set("messages", messages.deepCopy());
    ArrayNode tools = request.putArray("tools");
    for (JsonNode chatTool :
        List.of(
            CrossProviderTranscriptTest.tool("get_weather", "The weather in a city"),
            CrossProviderTranscriptTest.tool("get_time", "The local time in a city"))) {
      JsonNode function = chatTool.get("function");
      tools
          .addObject()
          .put("name", function.path("name").asText())
          .put("description", function.path("description").asText())
          .set("input_schema", function.get("parameters"));
    }
    return request;
  }

  static JsonNode answer(Provider provider, ObjectNode request, boolean streaming) {
    return streaming ? assemble(stream(provider, request)) : complete(provider, request);
  }

  static String[] headers(Provider provider) {
    List<String> headers = new ArrayList<>(List.of(provider.headers()));
    headers.addAll(List.of("anthropic-version", "2023-06-01"));
    return headers.toArray(String[]::new);
  }

  static JsonNode complete(Provider provider, ObjectNode request) {
    HttpResponse<String> response =
        CrossProviderTranscriptTest.gateway.postJson(
            "/v1/messages", WireJson.writeString(request), headers(provider));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode message = json(response);
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("id").asText()).startsWith("msg_");
    return message;
  }

  static List<Event> stream(Provider provider, ObjectNode request) {
    ObjectNode streaming = request.deepCopy().put("stream", true);
    HttpResponse<String> response =
        CrossProviderTranscriptTest.gateway.postJson(
            "/v1/messages", WireJson.writeString(streaming), headers(provider));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return AnthropicMessagesTest.events(response.body());
  }

  /**
   * The message a client's accumulator makes of Anthropic's events, checking their order as it
   * goes: {@code message_start} first, each block started at the next index before its deltas and
   * stopped before the next starts, {@code message_delta} after the last block, {@code
   * message_stop} last; {@code ping}s anywhere.
   */
  static ObjectNode assemble(List<Event> events) {
    assertThat(events).isNotEmpty();
    assertThat(events.getFirst().name()).isEqualTo("message_start");
    assertThat(events.getLast().name()).isEqualTo("message_stop");
    ObjectNode message = events.getFirst().data().get("message").deepCopy();
    ArrayNode content = message.putArray("content");
    List<StringBuilder> json = new ArrayList<>();
    Set<Integer> stopped = new HashSet<>();
    int open = -1;
    boolean delta = false;
    for (Event event : events.subList(1, events.size() - 1)) {
      assertThat(event.data().path("type").asText()).isEqualTo(event.name());
      assertThat(delta).as("nothing after message_delta but message_stop").isFalse();
      switch (event.name()) {
        case "ping" -> {}
        case "content_block_start" -> {
          assertThat(open).as("the block before was stopped").isEqualTo(-1);
          open = event.data().path("index").asInt();
          assertThat(open).as("blocks counted from 0").isEqualTo(content.size());
          content.add(event.data().get("content_block").deepCopy());
          json.add(new StringBuilder());
        }
        case "content_block_delta" -> {
          int index = event.data().path("index").asInt();
          assertThat(index).isEqualTo(open);
          ObjectNode block = (ObjectNode) content.get(index);
          JsonNode d = event.data().get("delta");
          switch (d.path("type").asText()) {
            case "text_delta" ->
                block.put("text", block.path("text").asText() + d.path("text").asText());
            case "thinking_delta" ->
                block.put(
                    "thinking", block.path("thinking").asText() + d.path("thinking").asText());
            case "input_json_delta" -> json.get(index).append(d.path("partial_json").asText());
            default -> throw new AssertionError("unexpected delta " + d);
          }
        }
        case "content_block_stop" -> {
          int index = event.data().path("index").asInt();
          assertThat(index).isEqualTo(open);
          assertThat(stopped.add(index)).isTrue();
          if (!json.get(index).isEmpty()) {
            ((ObjectNode) content.get(index))
                .set("input", WireJson.tree(json.get(index).toString()));
          }
          open = -1;
        }
        case "message_delta" -> {
          assertThat(open).as("every block stopped before message_delta").isEqualTo(-1);
          delta = true;
          message.setAll((ObjectNode) event.data().get("delta"));
          ((ObjectNode) message.get("usage")).setAll((ObjectNode) event.data().get("usage"));
        }
        default -> throw new AssertionError("unexpected event " + event.name());
      }
    }
    assertThat(delta).as("a message_delta").isTrue();
    return message;
  }

  /** Content blocks without their ids, which each call mints anew. */
  static JsonNode withoutIds(JsonNode content) {
    ArrayNode copy = content.deepCopy();
    copy.forEach(block -> ((ObjectNode) block).remove("id"));
    return copy;
  }
}
