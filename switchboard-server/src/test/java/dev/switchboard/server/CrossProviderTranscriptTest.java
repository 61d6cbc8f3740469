package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.CohereReply;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeAzureOpenAi;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.FakeCohere;
import dev.switchboard.testkit.FakeGemini;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.FakeVertex;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The issue's round trip: one agent conversation (system, user, an assistant turn with two parallel
 * tool calls, the two tool results, the final answer) driven through the gateway in OpenAI's format
 * against OpenAI, Anthropic, Bedrock (Converse), Azure OpenAI, Cohere, Gemini and Vertex AI fakes
 * gives the same OpenAI-format transcript; and each provider's streamed answers reassemble to its
 * whole ones.
 *
 * <p>The fakes are scripted to give equivalent answers: FakeOpenAi by its deterministic behaviour
 * (it calls each offered tool with sample arguments, then sums up the tool results), the others by
 * {@link AnthropicReply} and {@link ConverseReply} saying the same in their own formats. So what
 * differs between the transcripts is the gateway's translation, nothing else.
 *
 * <p>Normalised, because it must differ: tool call ids (each provider mints its own, {@code
 * call_…}, {@code toolu_…}, {@code tooluse_…}; they become {@code call#1}, {@code call#2} by order
 * of appearance, tool results mapped through the same table so that a result answering the wrong
 * call still fails), completion ids, {@code created}, {@code model} (each provider has its own
 * model names) and usage figures (each provider counts its own tokens). Nothing else is.
 */
class CrossProviderTranscriptTest {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final String SYSTEM = "You are a travel assistant. Use the tools.";
  static final String USER = "What are the weather and the local time in the sample city?";
  static final String WEATHER = "18C and sunny";
  static final String TIME = "14:05";
  // What FakeOpenAi says after tool results; the other fakes are scripted to say the same.
  static final String FINAL = "Tool results received: " + WEATHER + "; " + TIME;
  // FakeOpenAi fills a string parameter with "sample".
  static final String ARGUMENTS = "{\"city\":\"sample\"}";

  /** The transcript every provider must give, ids normalised. */
  static final JsonNode EXPECTED =
      WireJson.tree(
          """
          [
            {"role":"system","content":"%s"},
            {"role":"user","content":"%s"},
            {"role":"assistant","content":null,"tool_calls":[
              {"id":"call#1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"sample\\"}"}},
              {"id":"call#2","type":"function","function":{"name":"get_time","arguments":"{\\"city\\":\\"sample\\"}"}}],
             "finish_reason":"tool_calls"},
            {"role":"tool","tool_call_id":"call#1","content":"%s"},
            {"role":"tool","tool_call_id":"call#2","content":"%s"},
            {"role":"assistant","content":"%s","finish_reason":"stop"}
          ]
          """
              .formatted(SYSTEM, USER, WEATHER, TIME, FINAL));

  static FakeOpenAi openai;
  static FakeAnthropic anthropic;
  static FakeBedrock bedrock;
  static FakeGemini gemini;
  static FakeVertex vertex;
  static String vertexServiceAccount;
  static FakeAzureOpenAi azure;
  static FakeCohere cohere;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws NoSuchAlgorithmException {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    bedrock = FakeBedrock.start();
    gemini = FakeGemini.start();
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    var keys = rsa.generateKeyPair();
    String email = "transcript@switchboard-test.iam.gserviceaccount.com";
    vertex = FakeVertex.builder().serviceAccount(email, keys.getPublic()).start();
    vertexServiceAccount = vertex.serviceAccountJson(email, keys);
    azure = FakeAzureOpenAi.start();
    azure.requireApiKey("azure-test-key");
    cohere = FakeCohere.start();
    cohere.requireApiKey("co-test-key");
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder()
                .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                .providerBaseUrl("google", URI.create(gemini.origin()))
                .providerBaseUrl("vertex-ai", URI.create(vertex.origin()))
                .providerBaseUrl("azure-openai", URI.create(azure.baseUrl()))
                .providerBaseUrl("cohere", URI.create(cohere.baseUrl()))
                .build(),
            engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertex.close();
    gemini.close();
    bedrock.close();
    azure.close();
    cohere.close();
    anthropic.close();
    openai.close();
  }

  /**
   * One provider as the test drives it: how to select it, how to script its fake for the two
   * answers of the conversation, and how to read the tool results its fake received.
   */
  record Provider(
      String name,
      String model,
      String idPrefix,
      String[] headers,
      Runnable scriptToolCalls,
      Runnable scriptFinalAnswer,
      Function<Duration, RecordedRequest> lastRequest,
      BiFunction<JsonNode, JsonNode, List<List<String>>> toolResultsSent) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Provider> providers() {
    return Stream.of(
        new Provider(
            "openai",
            "gpt-4o-mini",
            "call_",
            new String[] {"x-portkey-provider", "openai", "authorization", "Bearer sk-test"},
            () -> {}, // FakeOpenAi calls the offered tools by itself
            () -> {}, // and sums up the tool results by itself
            CrossProviderTranscriptTest::lastOpenAiRequest,
            (sent, calls) -> openAiToolResults(sent)),
        new Provider(
            "anthropic",
            "claude-sonnet-4-5",
            "toolu_",
            new String[] {"x-portkey-provider", "anthropic", "x-api-key", "sk-ant-test"},
            () ->
                anthropic.enqueue(
                    AnthropicReply.builder()
                        .toolUse("toolu_01Weather7Qx", "get_weather", ARGUMENTS)
                        .toolUse("toolu_02Time9Rz", "get_time", ARGUMENTS)
                        .build()),
            () -> anthropic.enqueue(AnthropicReply.builder().text(FINAL).build()),
            CrossProviderTranscriptTest::lastAnthropicRequest,
            (sent, calls) -> anthropicToolResults(sent)),
        new Provider(
            "bedrock",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "tooluse_",
            new String[] {
              "x-portkey-provider", "bedrock",
              "x-portkey-aws-access-key-id", FakeBedrock.DEFAULT_ACCESS_KEY_ID,
              "x-portkey-aws-secret-access-key", FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
              "x-portkey-aws-region", FakeBedrock.DEFAULT_REGION
            },
            () ->
                bedrock.enqueue(
                    ConverseReply.toolUse(
                        new ConverseReply.ToolUse("tooluse_Wx81kQ", "get_weather", ARGUMENTS),
                        new ConverseReply.ToolUse("tooluse_Tm27pZ", "get_time", ARGUMENTS))),
            () -> bedrock.enqueue(ConverseReply.text(FINAL)),
            CrossProviderTranscriptTest::lastBedrockRequest,
            (sent, calls) -> converseToolResults(sent)),
        new Provider(
            "google",
            "gemini-2.5-flash",
            "portkey-",
            new String[] {
              "x-portkey-provider",
              "google",
              "authorization",
              "Bearer " + FakeGemini.DEFAULT_API_KEY
            },
            () -> {}, // FakeGemini calls the declared functions by itself
            () -> {}, // and sums up the function responses by itself
            wait -> last(gemini.requests()),
            CrossProviderTranscriptTest::geminiToolResults),
        new Provider(
            "vertex-ai",
            "gemini-2.5-flash",
            "portkey-",
            new String[] {
              "x-portkey-provider",
              "vertex-ai",
              "x-portkey-vertex-region",
              FakeVertex.DEFAULT_REGION,
              "x-portkey-vertex-service-account-json",
              vertexServiceAccount
            },
            () -> {},
            () -> {},
            wait -> last(vertex.apiRequests()),
            CrossProviderTranscriptTest::geminiToolResults),
        new Provider(
            "azure-openai",
            "gpt-4o-mini",
            "call_",
            new String[] {
              "x-portkey-provider", "azure-openai",
              "authorization", "Bearer azure-test-key",
              "x-portkey-azure-deployment-id", "gpt-4o-mini",
              "x-portkey-azure-api-version", "2024-10-21"
            },
            () -> {}, // FakeAzureOpenAi answers as FakeOpenAi does
            () -> {},
            wait -> last(azure.requests()),
            (sent, calls) -> openAiToolResults(sent)),
        new Provider(
            "cohere",
            "command-a-03-2025",
            "get_",
            new String[] {"x-portkey-provider", "cohere", "authorization", "Bearer co-test-key"},
            () ->
                cohere.enqueue(
                    CohereReply.toolCalls(
                        "I will look up the weather and the local time.",
                        new CohereReply.ToolCall(
                            "get_weather_k4r7t2x9m1qa", "get_weather", ARGUMENTS),
                        new CohereReply.ToolCall("get_time_p8w3n6c5v2zb", "get_time", ARGUMENTS))),
            () -> cohere.enqueue(CohereReply.text(FINAL)),
            wait -> last(cohere.requests()),
            (sent, calls) -> openAiToolResults(sent)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theAgentConversationGivesTheSameTranscript(Provider provider) {
    List<JsonNode> transcript = runConversation(provider, false);

    assertThat(normalised(transcript)).isEqualTo(EXPECTED);
    for (JsonNode call : transcript.get(2).path("tool_calls")) {
      assertThat(call.path("id").asText())
          .as("the provider's own call id, passed on unchanged")
          .startsWith(provider.idPrefix());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theStreamedConversationGivesTheSameTranscript(Provider provider) {
    List<JsonNode> transcript = runConversation(provider, true);

    assertThat(normalised(transcript)).isEqualTo(EXPECTED);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void theProviderReceivesEachToolResultForItsOwnCall(Provider provider) {
    List<JsonNode> transcript = runConversation(provider, false);

    JsonNode sent = provider.lastRequest().apply(Duration.ofSeconds(5)).json();
    JsonNode calls = transcript.get(2).path("tool_calls");
    assertThat(provider.toolResultsSent().apply(sent, calls))
        .containsExactly(
            List.of(calls.get(0).path("id").asText(), WEATHER),
            List.of(calls.get(1).path("id").asText(), TIME));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void eachStreamedAnswerReassemblesToTheWholeAnswer(Provider provider) {
    ObjectNode firstTurn = request(provider, conversationStart());
    provider.scriptToolCalls().run();
    JsonNode whole = complete(provider, firstTurn);
    provider.scriptToolCalls().run();
    ObjectNode streamed = StreamAssembly.assemble(stream(provider, firstTurn));
    assertSameAnswer(streamed, StreamAssembly.of(whole));

    ArrayNode messages = conversationStart();
    messages.add(whole.at("/choices/0/message"));
    addToolResults(messages, whole.at("/choices/0/message/tool_calls"));
    ObjectNode secondTurn = request(provider, messages);
    provider.scriptFinalAnswer().run();
    JsonNode finalWhole = complete(provider, secondTurn);
    provider.scriptFinalAnswer().run();
    ObjectNode finalStreamed = StreamAssembly.assemble(stream(provider, secondTurn));
    assertSameAnswer(finalStreamed, StreamAssembly.of(finalWhole));
  }

  /** The same message and finish reason, ids included, and the same token counts. */
  static void assertSameAnswer(ObjectNode streamed, ObjectNode whole) {
    assertThat(streamed.get("message")).isEqualTo(whole.get("message"));
    assertThat(streamed.get("finish_reason")).isEqualTo(whole.get("finish_reason"));
    for (String figure : List.of("prompt_tokens", "completion_tokens", "total_tokens")) {
      assertThat(streamed.path("usage").path(figure).asInt())
          .as(figure)
          .isPositive()
          .isEqualTo(whole.path("usage").path(figure).asInt());
    }
  }

  /**
   * Runs the conversation as an agent does: asks, runs the two tools the model called, sends their
   * results, and returns the transcript (each assistant turn with its finish reason).
   */
  static List<JsonNode> runConversation(Provider provider, boolean streaming) {
    ArrayNode messages = conversationStart();
    provider.scriptToolCalls().run();
    ObjectNode toolTurn = answer(provider, request(provider, messages), streaming);
    assertThat(toolTurn.path("finish_reason").asText()).isEqualTo("tool_calls");
    messages.add(toolTurn.get("message"));
    addToolResults(messages, toolTurn.at("/message/tool_calls"));
    provider.scriptFinalAnswer().run();
    ObjectNode finalTurn = answer(provider, request(provider, messages), streaming);

    List<JsonNode> transcript = new ArrayList<>();
    messages.forEach(transcript::add);
    transcript.set(2, withFinishReason(toolTurn));
    transcript.add(withFinishReason(finalTurn));
    return transcript;
  }

  static ArrayNode conversationStart() {
    ArrayNode messages = NODES.arrayNode();
    messages.addObject().put("role", "system").put("content", SYSTEM);
    messages.addObject().put("role", "user").put("content", USER);
    return messages;
  }

  /** One tool message per call, in the calls' order, each answering its call by id. */
  static void addToolResults(ArrayNode messages, JsonNode toolCalls) {
    assertThat(toolCalls).hasSize(2);
    for (JsonNode call : toolCalls) {
      String name = call.at("/function/name").asText();
      messages
          .addObject()
          .put("role", "tool")
          .put("tool_call_id", call.path("id").asText())
          .put("content", name.equals("get_weather") ? WEATHER : TIME);
    }
  }

  static ObjectNode request(Provider provider, ArrayNode messages) {
    ObjectNode request = NODES.objectNode().put("model", provider.model());
    request.set("messages", messages.deepCopy());
    ArrayNode tools = request.putArray("tools");
    tools.add(tool("get_weather", "The weather in a city"));
    tools.add(tool("get_time", "The local time in a city"));
    request.put("max_tokens", 256);
    return request;
  }

  static ObjectNode tool(String name, String description) {
    ObjectNode tool = NODES.objectNode().put("type", "function");
    ObjectNode function = tool.putObject("function").put("name", name);
    function.put("description", description);
    function.set(
        "parameters",
        WireJson.tree(
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"]}"));
    return tool;
  }

  /** The answer as a client ends up with it: {@code {message, finish_reason, usage}}. */
  static ObjectNode answer(Provider provider, ObjectNode request, boolean streaming) {
    return streaming
        ? StreamAssembly.assemble(stream(provider, request))
        : StreamAssembly.of(complete(provider, request));
  }

  static JsonNode complete(Provider provider, ObjectNode request) {
    HttpResponse<String> response =
        gateway.postJson("/v1/chat/completions", WireJson.writeString(request), provider.headers());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  static List<String> stream(Provider provider, ObjectNode request) {
    ObjectNode streaming = request.deepCopy().put("stream", true);
    streaming.putObject("stream_options").put("include_usage", true);
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions", WireJson.writeString(streaming), provider.headers());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> data = GatewayUnderTest.sseData(response.body());
    assertThat(data).last().isEqualTo("[DONE]");
    return data;
  }

  static JsonNode withFinishReason(ObjectNode answer) {
    ObjectNode message = answer.get("message").deepCopy();
    message.set("finish_reason", answer.get("finish_reason"));
    return message;
  }

  /** The transcript with each provider's call ids replaced by {@code call#n}, as they appear. */
  static JsonNode normalised(List<JsonNode> transcript) {
    Map<String, String> ids = new LinkedHashMap<>();
    ArrayNode out = NODES.arrayNode();
    for (JsonNode message : transcript) {
      ObjectNode copy = message.deepCopy();
      for (JsonNode call : copy.path("tool_calls")) {
        String id = call.path("id").asText();
        ((ObjectNode) call).put("id", ids.computeIfAbsent(id, k -> "call#" + (ids.size() + 1)));
      }
      if (copy.has("tool_call_id")) {
        String id = copy.get("tool_call_id").asText();
        copy.put("tool_call_id", ids.getOrDefault(id, "unanswered:" + id));
      }
      out.add(copy);
    }
    return out;
  }

  // --- What each fake received -----------------------------------------------------------------

  static RecordedRequest lastOpenAiRequest(Duration wait) {
    return last(openai.requests());
  }

  static RecordedRequest lastAnthropicRequest(Duration wait) {
    return last(anthropic.requests());
  }

  static RecordedRequest lastBedrockRequest(Duration wait) {
    return last(bedrock.requests());
  }

  static RecordedRequest last(List<RecordedRequest> requests) {
    assertThat(requests).isNotEmpty();
    return requests.getLast();
  }

  /** {@code [id, text]} of each {@code tool} message. */
  static List<List<String>> openAiToolResults(JsonNode request) {
    List<List<String>> results = new ArrayList<>();
    for (JsonNode message : request.path("messages")) {
      if (message.path("role").asText().equals("tool")) {
        results.add(
            List.of(message.path("tool_call_id").asText(), message.path("content").asText()));
      }
    }
    return results;
  }

  /** {@code [id, text]} of each {@code tool_result} block. */
  static List<List<String>> anthropicToolResults(JsonNode request) {
    List<List<String>> results = new ArrayList<>();
    for (JsonNode message : request.path("messages")) {
      for (JsonNode block : message.path("content")) {
        if (block.path("type").asText().equals("tool_result")) {
          JsonNode content = block.path("content");
          results.add(
              List.of(
                  block.path("tool_use_id").asText(),
                  content.isTextual() ? content.asText() : content.at("/0/text").asText()));
        }
      }
    }
    return results;
  }

  /**
   * {@code [id, text]} of each {@code functionResponse} part: Gemini has no call ids, so a response
   * names its function, which names the call among {@code calls}.
   */
  static List<List<String>> geminiToolResults(JsonNode request, JsonNode calls) {
    Map<String, String> idsByName = new LinkedHashMap<>();
    for (JsonNode call : calls) {
      idsByName.put(call.at("/function/name").asText(), call.path("id").asText());
    }
    List<List<String>> results = new ArrayList<>();
    for (JsonNode turn : request.path("contents")) {
      for (JsonNode part : turn.path("parts")) {
        JsonNode response = part.path("functionResponse");
        if (response.isObject()) {
          results.add(
              List.of(
                  idsByName.getOrDefault(response.path("name").asText(), "unknown"),
                  response.at("/response/output").asText()));
        }
      }
    }
    return results;
  }

  /** {@code [id, text]} of each {@code toolResult} block. */
  static List<List<String>> converseToolResults(JsonNode request) {
    List<List<String>> results = new ArrayList<>();
    for (JsonNode message : request.path("messages")) {
      for (JsonNode block : message.path("content")) {
        JsonNode result = block.path("toolResult");
        if (result.isObject()) {
          results.add(
              List.of(result.path("toolUseId").asText(), result.at("/content/0/text").asText()));
        }
      }
    }
    return results;
  }
}
