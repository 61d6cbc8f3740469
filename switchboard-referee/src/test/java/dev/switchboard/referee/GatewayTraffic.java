package dev.switchboard.referee;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
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
import dev.switchboard.testkit.GeminiReply;
import dev.switchboard.testkit.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One gateway, in process, in front of every fake provider, and the scripted traffic the referees
 * judge: every answer shape the gateway produces (chat whole and streamed, with tool calls and the
 * usage chunk, completions, embeddings, the models list, error bodies), from every provider family,
 * and {@code /v1/messages}. Each fake keeps the requests the gateway sent it.
 */
final class GatewayTraffic implements AutoCloseable {
  /** One answer the gateway gave: which family and shape asked for it, its status and body. */
  record Answer(String family, String shape, int status, String contentType, String body) {
    boolean streamed() {
      return contentType.startsWith("text/event-stream");
    }

    /** The {@code data:} payloads of a streamed answer, {@code [DONE]} left out. */
    List<String> events() {
      return Sse.data(body).stream().filter(data -> !data.equals("[DONE]")).toList();
    }

    @Override
    public String toString() {
      return family + " " + shape + " (" + status + ")";
    }
  }

  /** A provider family, as a client asks for it: its headers and a model it serves. */
  record Family(String name, String chatModel, String embeddingModel, String... headers) {}

  static final String VERTEX_TOKEN = "ya29.referee-client-token";

  final FakeOpenAi openAi = FakeOpenAi.start();
  final FakeAzureOpenAi azure = FakeAzureOpenAi.start();
  final FakeAnthropic anthropic = FakeAnthropic.start();
  final FakeBedrock bedrock = FakeBedrock.start();
  final FakeGemini gemini = FakeGemini.start();
  final FakeVertex vertex = FakeVertex.builder().acceptAccessToken(VERTEX_TOKEN).start();
  final FakeCohere cohere = FakeCohere.start();
  final SwitchboardServer gateway;
  final List<Answer> answers = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final List<Family> families =
      List.of(
          new Family("mock", "mock-chat", "mock-embed", "x-portkey-provider", "mock"),
          new Family(
              "openai",
              "gpt-4o-mini",
              "text-embedding-3-small",
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer sk-referee"),
          new Family(
              "azure-openai",
              "gpt-4o-mini",
              "text-embedding-3-small",
              "x-portkey-provider",
              "azure-openai",
              "authorization",
              "Bearer azure-key",
              "x-portkey-azure-deployment-id",
              "gpt4o-prod",
              "x-portkey-azure-api-version",
              "2024-10-21"),
          new Family(
              "anthropic",
              "claude-sonnet-4-5",
              null,
              "x-portkey-provider",
              "anthropic",
              "authorization",
              "Bearer sk-ant-referee"),
          new Family(
              "bedrock",
              "anthropic.claude-3-5-haiku-20241022-v1:0",
              "amazon.titan-embed-text-v2:0",
              "x-portkey-provider",
              "bedrock",
              "x-portkey-aws-access-key-id",
              FakeBedrock.DEFAULT_ACCESS_KEY_ID,
              "x-portkey-aws-secret-access-key",
              FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
              "x-portkey-aws-region",
              FakeBedrock.DEFAULT_REGION),
          new Family(
              "google",
              "gemini-2.5-flash",
              "gemini-embedding-001",
              "x-portkey-provider",
              "google",
              "authorization",
              "Bearer " + FakeGemini.DEFAULT_API_KEY),
          new Family(
              "vertex-ai",
              "gemini-2.5-flash",
              "text-embedding-005",
              "x-portkey-provider",
              "vertex-ai",
              "x-portkey-vertex-region",
              FakeVertex.DEFAULT_REGION,
              "x-portkey-vertex-project-id",
              FakeVertex.DEFAULT_PROJECT,
              "authorization",
              "Bearer " + VERTEX_TOKEN),
          new Family(
              "cohere",
              "command-a-03-2025",
              "embed-v4.0",
              "x-portkey-provider",
              "cohere",
              "authorization",
              "Bearer co-referee"));

  /** The families whose upstream serves OpenAI's text completions through the gateway. */
  static final Set<String> COMPLETIONS = Set.of("mock", "openai", "azure-openai");

  /** The families whose models list the gateway serves. */
  static final Set<String> MODELS = Set.of("mock", "openai", "azure-openai", "cohere", "google");

  private static GatewayTraffic shared;

  /**
   * The traffic, run once for every referee in this JVM; the gateway and the fakes stay up until
   * the JVM ends, so that each referee can replay what a fake was sent.
   */
  static synchronized GatewayTraffic shared() {
    if (shared == null) {
      shared = new GatewayTraffic().run();
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** The answers of {@code family} whose shape starts with {@code shapePrefix}. */
  List<Answer> answers(String family, String shapePrefix) {
    return answers.stream()
        .filter(a -> a.family().equals(family) && a.shape().startsWith(shapePrefix))
        .toList();
  }

  private GatewayTraffic() {
    GatewaySettings.Builder settings = GatewaySettings.builder();
    settings.providerBaseUrl("openai", URI.create(openAi.baseUrl()));
    settings.providerBaseUrl("azure-openai", URI.create(azure.baseUrl()));
    settings.providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()));
    settings.providerBaseUrl("bedrock", URI.create(bedrock.endpoint()));
    settings.providerBaseUrl("google", URI.create(gemini.origin()));
    settings.providerBaseUrl("vertex-ai", URI.create(vertex.origin()));
    settings.providerBaseUrl("cohere", URI.create(cohere.baseUrl()));
    gateway =
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                settings.build()));
  }

  /** Sends every scripted request through the gateway and keeps each answer. */
  GatewayTraffic run() {
    for (Family family : families) {
      String model = family.chatModel();
      exchange(family, "chat", "/v1/chat/completions", Requests.chat(model, false));
      exchange(family, "chat stream", "/v1/chat/completions", Requests.chat(model, true));
      replyWithToolCall(family);
      exchange(family, "chat tool call", "/v1/chat/completions", Requests.toolCall(model, false));
      replyWithToolCall(family);
      exchange(
          family, "chat tool call stream", "/v1/chat/completions", Requests.toolCall(model, true));
      exchange(family, "chat tool result", "/v1/chat/completions", Requests.toolResult(model));
      if (!family.name().equals("mock")) {
        exchange(family, "chat image", "/v1/chat/completions", Requests.image(model));
      }
      if (COMPLETIONS.contains(family.name())) {
        exchange(family, "completion", "/v1/completions", Requests.completion(model, false));
        exchange(family, "completion stream", "/v1/completions", Requests.completion(model, true));
      }
      if (family.embeddingModel() != null) {
        exchange(
            family, "embeddings", "/v1/embeddings", Requests.embeddings(family.embeddingModel()));
      }
      if (MODELS.contains(family.name())) {
        answers.add(send(family, "models", get("/v1/models", family.headers())));
      }
      exchange(family, "error: no messages", "/v1/chat/completions", Requests.noMessages(model));
      if (!family.name().equals("mock")) {
        upstreamFails(family);
        exchange(
            family, "error: upstream 429", "/v1/chat/completions", Requests.chat(model, false));
      }
    }
    messages();
    return this;
  }

  /**
   * Anthropic's own format, {@code /v1/messages}, through every family: natively for Anthropic and
   * Bedrock's Anthropic models, over its chat completions for the others (the gateway's bridge).
   */
  private void messages() {
    for (Family family : families) {
      String model = family.chatModel();
      exchange(family, "messages", "/v1/messages", Requests.messages(model, false));
      exchange(family, "messages stream", "/v1/messages", Requests.messages(model, true));
      replyWithToolCall(family);
      exchange(family, "messages tool use", "/v1/messages", Requests.messagesToolUse(model, false));
      replyWithToolCall(family);
      exchange(
          family,
          "messages tool use stream",
          "/v1/messages",
          Requests.messagesToolUse(model, true));
      exchange(family, "count tokens", "/v1/messages/count_tokens", Requests.countTokens(model));
    }
  }

  /** Has the family's fake answer its next chat with a call to {@code get_weather}. */
  private void replyWithToolCall(Family family) {
    String arguments = "{\"city\":\"Paris\"}";
    switch (family.name()) {
      case "anthropic" ->
          anthropic.enqueue(
              AnthropicReply.builder()
                  .text("Let me look.")
                  .toolUse("toolu_01RefereeA", "get_weather", arguments)
                  .build());
      case "bedrock" ->
          bedrock.enqueue(
              ConverseReply.toolUse(
                  new ConverseReply.ToolUse("tooluse_referee01", "get_weather", arguments)));
      case "google" ->
          gemini.enqueue(GeminiReply.builder().functionCall("get_weather", arguments).build());
      case "vertex-ai" ->
          vertex.enqueue(GeminiReply.builder().functionCall("get_weather", arguments).build());
      case "cohere" ->
          cohere.enqueue(
              CohereReply.toolCalls(
                  "I will look up the weather.",
                  new CohereReply.ToolCall("get_weather_referee1", "get_weather", arguments)));
      default -> {
        // OpenAI's fakes and the mock call an offered tool by themselves
      }
    }
  }

  private void upstreamFails(Family family) {
    Fault fault = Fault.status(429);
    switch (family.name()) {
      case "openai" -> openAi.enqueue(fault);
      case "azure-openai" -> azure.enqueue(fault);
      case "anthropic" -> anthropic.enqueue(fault);
      case "bedrock" -> bedrock.enqueue(dev.switchboard.testkit.BedrockFault.throttling());
      case "google" -> gemini.enqueue(fault);
      case "vertex-ai" -> vertex.enqueue(fault);
      case "cohere" -> cohere.enqueue(fault);
      default -> throw new IllegalArgumentException(family.name());
    }
  }

  private void exchange(Family family, String shape, String path, String json) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            // Every field the gateway may add is judged: a stream's cost, added when asked for.
            .header("x-switchboard-stream-cost", "true")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    request.headers(family.headers());
    answers.add(send(family, shape, request));
  }

  private HttpRequest.Builder get(String path, String... headers) {
    return HttpRequest.newBuilder(gateway.baseUri().resolve(path))
        .timeout(Duration.ofSeconds(30))
        .headers(headers)
        .GET();
  }

  private Answer send(Family family, String shape, HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          family.name(),
          shape,
          response.statusCode(),
          response.headers().firstValue("content-type").orElse(""),
          response.body());
    } catch (IOException e) {
      throw new AssertionError("the gateway did not answer " + family.name() + " " + shape, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** What a fake answered a request sent to it again: its status, content type and bytes. */
  record Replayed(String request, int status, String contentType, byte[] body) {
    String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return request + " (" + status + ")";
    }
  }

  /** What the fake at {@code origin} answers {@code recorded}, sent to it again as it was. */
  Replayed replay(String origin, RecordedRequest recorded) {
    String target =
        origin + recorded.path() + (recorded.query() == null ? "" : "?" + recorded.query());
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(target))
            .timeout(Duration.ofSeconds(30))
            .method(recorded.method(), HttpRequest.BodyPublishers.ofString(recorded.body()));
    for (var header : recorded.headers()) {
      if (!RESTRICTED.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
        request.header(header.getKey(), header.getValue());
      }
    }
    try {
      HttpResponse<byte[]> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Replayed(
          recorded.method() + " " + recorded.path(),
          response.statusCode(),
          response.headers().firstValue("content-type").orElse(""),
          response.body());
    } catch (IOException e) {
      throw new AssertionError("the fake did not answer " + recorded.path(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Headers the JDK's client sets itself and refuses from a caller. */
  private static final Set<String> RESTRICTED =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  @Override
  public void close() {
    gateway.close();
    openAi.close();
    azure.close();
    anthropic.close();
    bedrock.close();
    gemini.close();
    vertex.close();
    cohere.close();
  }
}
