package dev.switchboard.server;

import static dev.switchboard.server.CrossProviderTranscriptTest.EXPECTED;
import static dev.switchboard.server.CrossProviderTranscriptTest.NODES;
import static dev.switchboard.server.CrossProviderTranscriptTest.SYSTEM;
import static dev.switchboard.server.CrossProviderTranscriptTest.TIME;
import static dev.switchboard.server.CrossProviderTranscriptTest.USER;
import static dev.switchboard.server.CrossProviderTranscriptTest.WEATHER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.CrossProviderTranscriptTest.Provider;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent turn in the Responses API's format ({@code POST /v1/responses}) against every
 * provider the gateway serves it for over chat completions (Anthropic, Bedrock, Gemini, Vertex AI,
 * Cohere): instructions, a user message, two parallel function calls, their outputs, the final
 * answer. Read back as a chat transcript, it is the one {@link CrossProviderTranscriptTest}
 * requires of the chat path, whole and streamed; each stream's events come in OpenAI's order with
 * their sequence numbers, item ids and output indexes consistent, and reassemble to the whole
 * answer.
 *
 * <p>OpenAI and Azure OpenAI serve the Responses API themselves (their fakes answer it natively,
 * with text only): {@link ResponsesApiTest} checks that the gateway passes them through.
 */
class ResponsesOverProvidersTest {

  @BeforeAll
  static void start() throws Exception {
    CrossProviderTranscriptTest.start();
  }

  @AfterAll
  static void stop() {
    CrossProviderTranscriptTest.stop();
  }

  static Stream<Provider> providers() {
    return CrossProviderTranscriptTest.providers()
        .filter(p -> !p.name().equals("openai") && !p.name().equals("azure-openai"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theAgentTurnGivesTheChatPathsTranscript(Provider provider) {
    assertThat(CrossProviderTranscriptTest.normalised(runTurn(provider, false)))
        .isEqualTo(EXPECTED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theStreamedAgentTurnGivesTheChatPathsTranscript(Provider provider) {
    assertThat(CrossProviderTranscriptTest.normalised(runTurn(provider, true))).isEqualTo(EXPECTED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void eachStreamReassemblesToTheWholeResponse(Provider provider) {
    ObjectNode first = request(provider, userInput());
    provider.scriptToolCalls().run();
    JsonNode whole = complete(provider, first);
    provider.scriptToolCalls().run();
    JsonNode streamed = ResponsesEvents.reassemble(stream(provider, first));
    assertSameResponse(streamed, whole);

    ArrayNode input = userInput();
    input.addAll((ArrayNode) whole.get("output"));
    addOutputs(input, whole.get("output"));
    ObjectNode second = request(provider, input);
    provider.scriptFinalAnswer().run();
    JsonNode finalWhole = complete(provider, second);
    provider.scriptFinalAnswer().run();
    assertSameResponse(ResponsesEvents.reassemble(stream(provider, second)), finalWhole);
  }

  /** The same output (ids aside: each answer mints its own), status and token counts. */
  static void assertSameResponse(JsonNode streamed, JsonNode whole) {
    assertThat(withoutIds(streamed.get("output"))).isEqualTo(withoutIds(whole.get("output")));
    assertThat(streamed.get("status")).isEqualTo(whole.get("status"));
    for (String figure : List.of("input_tokens", "output_tokens", "total_tokens")) {
      assertThat(streamed.path("usage").path(figure).asInt())
          .as(figure)
          .isPositive()
          .isEqualTo(whole.path("usage").path(figure).asInt());
    }
  }

  static JsonNode withoutIds(JsonNode output) {
    ArrayNode copy = output.deepCopy();
    copy.forEach(item -> ((ObjectNode) item).remove("id"));
    return copy;
  }

  /**
   * Runs the turn as an agent on the Responses API does (the output items sent back as input, each
   * call answered by a {@code function_call_output}) and reads it back as a chat transcript.
   */
  static List<JsonNode> runTurn(Provider provider, boolean streaming) {
    ArrayNode input = userInput();
    provider.scriptToolCalls().run();
    JsonNode calls = answer(provider, request(provider, input), streaming);
    assertThat(calls.path("status").asText()).isEqualTo("completed");
    input.addAll((ArrayNode) calls.get("output"));
    addOutputs(input, calls.get("output"));
    provider.scriptFinalAnswer().run();
    JsonNode last = answer(provider, request(provider, input), streaming);

    List<JsonNode> transcript = new ArrayList<>();
    transcript.add(NODES.objectNode().put("role", "system").put("content", SYSTEM));
    transcript.add(NODES.objectNode().put("role", "user").put("content", USER));
    transcript.add(assistantTurn(calls.get("output")));
    for (JsonNode item : input) {
      if (item.path("type").asText().equals("function_call_output")) {
        transcript.add(
            NODES
                .objectNode()
                .put("role", "tool")
                .put("tool_call_id", item.path("call_id").asText())
                .put("content", item.path("output").asText()));
      }
    }
    transcript.add(assistantTurn(last.get("output")));
    return transcript;
  }

  /** The output items as one chat assistant message, finished by tool calls or stopped. */
  static JsonNode assistantTurn(JsonNode output) {
    ObjectNode message = NODES.objectNode().put("role", "assistant");
    StringBuilder text = new StringBuilder();
    ArrayNode calls = NODES.arrayNode();
    for (JsonNode item : output) {
      switch (item.path("type").asText()) {
        case "message" ->
            item.path("content").forEach(part -> text.append(part.path("text").asText()));
        case "function_call" -> {
          assertThat(item.path("status").asText()).isEqualTo("completed");
          ObjectNode call =
              calls.addObject().put("id", item.path("call_id").asText()).put("type", "function");
          call.putObject("function")
              .put("name", item.path("name").asText())
              .put("arguments", item.path("arguments").asText());
        }
        default -> throw new AssertionError("unexpected item " + item);
      }
    }
    if (calls.isEmpty()) {
      message.put("content", text.toString());
      message.put("finish_reason", "stop");
    } else {
      assertThat(text).as("text beside the calls").isEmpty();
      message.putNull("content");
      message.set("tool_calls", calls);
      message.put("finish_reason", "tool_calls");
    }
    return message;
  }

  static ArrayNode userInput() {
    ArrayNode input = NODES.arrayNode();
    input.addObject().put("role", "user").put("content", USER);
    return input;
  }

  /** One {@code function_call_output} per call, in the calls' order. */
  static void addOutputs(ArrayNode input, JsonNode output) {
    List<JsonNode> calls = new ArrayList<>();
    output.forEach(item -> {
      if (item.path("type").asText().equals("function_call")) {
        calls.add(item);
      }
    });
    assertThat(calls).hasSize(2);
    for (JsonNode call : calls) {
      input
          .addObject()
          .put("type", "function_call_output")
          .put("call_id", call.path("call_id").asText())
          .put("output", call.path("name").asText().equals("get_weather") ? WEATHER : TIME);
    }
  }

  static ObjectNode request(Provider provider, ArrayNode input) {
    ObjectNode request = NODES.objectNode().put("model", provider.model());
    request.put("instructions", SYSTEM);
    request.set("input", input.deepCopy());
    ArrayNode tools = request.putArray("tools");
    tools.add(tool("get_weather", "The weather in a city"));
    tools.add(tool("get_time", "The local time in a city"));
    request.put("max_output_tokens", 256);
    return request;
  }

  /** A function tool in the Responses API's flat shape. */
  static ObjectNode tool(String name, String description) {
    ObjectNode tool = NODES.objectNode().put("type", "function").put("name", name);
    tool.put("description", description);
    tool.set(
        "parameters",
        WireJson.tree(
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"]}"));
    return tool;
  }

  static JsonNode answer(Provider provider, ObjectNode request, boolean streaming) {
    return streaming
        ? ResponsesEvents.reassemble(stream(provider, request))
        : complete(provider, request);
  }

  static JsonNode complete(Provider provider, ObjectNode request) {
    HttpResponse<String> response =
        CrossProviderTranscriptTest.gateway.postJson(
            "/v1/responses", WireJson.writeString(request), provider.headers());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = GatewayUnderTest.json(response);
    assertThat(body.path("object").asText()).isEqualTo("response");
    assertThat(body.path("id").asText()).startsWith("resp_");
    return body;
  }

  static List<ResponsesEvents.Event> stream(Provider provider, ObjectNode request) {
    ObjectNode streaming = request.deepCopy().put("stream", true);
    HttpResponse<String> response =
        CrossProviderTranscriptTest.gateway.postJson(
            "/v1/responses", WireJson.writeString(streaming), provider.headers());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<ResponsesEvents.Event> events = ResponsesEvents.parse(response.body());
    ResponsesEvents.assertWellFormed(events);
    return events;
  }
}
