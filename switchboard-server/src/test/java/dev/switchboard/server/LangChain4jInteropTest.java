package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.TokenStream;
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
import dev.switchboard.testkit.Fault;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LangChain4j's OpenAI module, pointed at the gateway, runs an agent's tool-calling loop (the model
 * calls tools, LangChain4j runs them and sends the results, the model answers) through each
 * provider, blocking and streaming.
 */
class LangChain4jInteropTest {
  static final String AWS_KEY_ID = "AKIALANGCHAIN4J00001";
  static final String AWS_SECRET = "langchain4jTestSecret/abcdefghijklmnopqrst";
  static FakeOpenAi openai;
  static FakeAnthropic anthropic;
  static FakeBedrock bedrock;
  static FakeAzureOpenAi azure;
  static FakeCohere cohere;
  static FakeGemini gemini;
  static FakeVertex vertex;
  static String vertexServiceAccount;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws java.security.NoSuchAlgorithmException {
    // LangChain4j sends its key as a bearer token: the gateway passes it on as Gemini's key.
    gemini = FakeGemini.builder().apiKey("sk-langchain4j").start();
    var rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    var keys = rsa.generateKeyPair();
    String email = "langchain4j@switchboard-test.iam.gserviceaccount.com";
    vertex = FakeVertex.builder().serviceAccount(email, keys.getPublic()).start();
    vertexServiceAccount = vertex.serviceAccountJson(email, keys);
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    bedrock = FakeBedrock.builder().credentials(AWS_KEY_ID, AWS_SECRET).region("us-east-1").start();
    azure = FakeAzureOpenAi.start();
    azure.requireApiKey("sk-langchain4j");
    cohere = FakeCohere.start();
    cohere.requireApiKey("sk-langchain4j");
    gateway =
        GatewayUnderTest.withProviders(
            Map.of(
                "openai", openai.baseUrl(),
                "anthropic", anthropic.baseUrl(),
                "bedrock", bedrock.endpoint(),
                "azure-openai", azure.baseUrl(),
                "cohere", cohere.baseUrl(),
                "google", gemini.origin(),
                "vertex-ai", vertex.origin()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
    anthropic.close();
    bedrock.close();
    azure.close();
    cohere.close();
    gemini.close();
    vertex.close();
  }

  /**
   * The headers that select a provider, and the first answer scripted where the fake needs one:
   * calls to both tools. (The OpenAI fake and the mock call every tool offered by themselves; after
   * the tool results every fake answers with text.)
   */
  private static Map<String, String> headersFor(String provider) {
    switch (provider) {
      case "anthropic" ->
          anthropic.enqueue(
              AnthropicReply.builder()
                  .toolUse("toolu_weather", "weather", "{\"city\":\"Paris\"}")
                  .toolUse("toolu_time", "time", "{\"zone\":\"Europe/Paris\"}")
                  .build());
      case "bedrock" -> {
        bedrock.enqueue(
            ConverseReply.toolUse(
                new ConverseReply.ToolUse("tooluse_weather", "weather", "{\"city\":\"Paris\"}"),
                new ConverseReply.ToolUse("tooluse_time", "time", "{\"zone\":\"Europe/Paris\"}")));
        return Map.of(
            "x-portkey-provider",
            "bedrock",
            "x-portkey-aws-access-key-id",
            AWS_KEY_ID,
            "x-portkey-aws-secret-access-key",
            AWS_SECRET,
            "x-portkey-aws-region",
            "us-east-1");
      }
      case "azure-openai" -> {
        return Map.of(
            "x-portkey-provider", "azure-openai",
            "x-portkey-azure-deployment-id", "gpt-4o-mini",
            "x-portkey-azure-api-version", "2024-10-21");
      }
      case "cohere" ->
          cohere.enqueue(
              CohereReply.toolCalls(
                  "I will look up the weather and the time.",
                  new CohereReply.ToolCall(
                      "weather_r8k2m4n6p0qz", "weather", "{\"city\":\"Paris\"}"),
                  new CohereReply.ToolCall(
                      "time_x3c5v7b9n1mq", "time", "{\"zone\":\"Europe/Paris\"}")));
      case "vertex-ai" -> {
        // FakeVertex, as FakeGemini, calls every declared function by itself.
        return Map.of(
            "x-portkey-provider",
            "vertex-ai",
            "x-portkey-vertex-region",
            FakeVertex.DEFAULT_REGION,
            "x-portkey-vertex-service-account-json",
            vertexServiceAccount);
      }
      default -> {}
    }
    return Map.of("x-portkey-provider", provider);
  }

  interface Assistant {
    String chat(String message);
  }

  interface StreamingAssistant {
    TokenStream chat(String message);
  }

  /** The agent's tools; records each call LangChain4j made. */
  static final class WeatherTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool("The current weather in a city")
    String weather(@P("the city") String city) {
      calls.add("weather(" + city + ")");
      return "sunny in " + city;
    }

    @Tool("The local time in a time zone")
    String time(@P("the time zone") String zone) {
      calls.add("time(" + zone + ")");
      return "noon in " + zone;
    }
  }

  private static String modelFor(String provider) {
    return switch (provider) {
      case "anthropic" -> "claude-sonnet-4-5";
      case "bedrock" -> "anthropic.claude-sonnet-4-5-20250929-v1:0";
      case "cohere" -> "command-a-03-2025";
      case "google", "vertex-ai" -> "gemini-2.5-flash";
      default -> "gpt-4o-mini";
    };
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "mock",
        "openai",
        "anthropic",
        "bedrock",
        "azure-openai",
        "cohere",
        "google",
        "vertex-ai"
      })
  void aToolCallingLoopCompletes(String provider) {
    var model =
        OpenAiChatModel.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("sk-langchain4j")
            .modelName(modelFor(provider))
            .customHeaders(headersFor(provider))
            .maxRetries(0)
            .build();
    WeatherTools tools = new WeatherTools();
    Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(tools).build();

    String answer = assistant.chat("What is the weather in Paris, and the time there?");

    assertThat(tools.calls).hasSize(2);
    assertThat(tools.calls).anyMatch(call -> call.startsWith("weather("));
    assertThat(tools.calls).anyMatch(call -> call.startsWith("time("));
    assertThat(answer).isNotBlank();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "mock",
        "openai",
        "anthropic",
        "bedrock",
        "azure-openai",
        "cohere",
        "google",
        "vertex-ai"
      })
  void aStreamedToolCallingLoopCompletes(String provider) throws Exception {
    var model =
        OpenAiStreamingChatModel.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("sk-langchain4j")
            .modelName(modelFor(provider))
            .customHeaders(headersFor(provider))
            .build();
    WeatherTools tools = new WeatherTools();
    StreamingAssistant assistant =
        AiServices.builder(StreamingAssistant.class).streamingChatModel(model).tools(tools).build();
    CompletableFuture<String> answer = new CompletableFuture<>();

    assistant
        .chat("What is the weather in Rome, and the time there?")
        .onPartialResponse(partial -> {})
        .onCompleteResponse(response -> answer.complete(response.aiMessage().text()))
        .onError(answer::completeExceptionally)
        .start();

    assertThat(answer.get(30, TimeUnit.SECONDS)).isNotBlank();
    assertThat(tools.calls).hasSize(2);
  }

  /**
   * A provider's error reaches LangChain4j with its status, so that LangChain4j's retry and the app
   * tell a rate limit (retriable) from a request that will never fit (context length: not retried).
   */
  @ParameterizedTest
  @CsvSource({
    "429, dev.langchain4j.exception.RateLimitException",
    "400, dev.langchain4j.exception.InvalidRequestException",
    "401, dev.langchain4j.exception.AuthenticationException",
    "503, dev.langchain4j.exception.InternalServerException"
  })
  void aProvidersErrorIsLangChain4jsException(int status, Class<? extends Throwable> expected) {
    openai.enqueue(Fault.status(status));
    var model =
        OpenAiChatModel.builder()
            .baseUrl(gateway.uri("/v1").toString())
            .apiKey("sk-langchain4j")
            .modelName("gpt-4o-mini")
            .customHeaders(Map.of("x-portkey-provider", "openai"))
            .maxRetries(0)
            .build();

    assertThatThrownBy(() -> model.chat("Hello")).isInstanceOf(expected);
  }
}
