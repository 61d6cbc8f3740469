package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.FakeReplay;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.testkit.ReplayFixture;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * Replays every committed fixture under {@code src/test/resources/replay/<provider>/} (recorded
 * from a provider, or written after its published reference; see docs/providers.md, "Recorded
 * exchanges"): a {@link FakeReplay} serves the provider's answer as its bytes, and the fixture's
 * client request goes through the gateway over HTTP. The gateway's request must be the recorded one
 * in what matters (method, path, query names, model, the body's keys), and its answer what OpenAI's
 * format makes of the provider's ({@link ProviderAnswer}): the text, the tool calls, the finish
 * reason and the usage, or the provider's error status and message in OpenAI's error shape.
 */
class ProviderReplayTest {
  /** Credentials a replay sends, by provider: a fixture holds none. */
  private static final Map<String, List<String>> CREDENTIALS =
      Map.of(
          "bedrock",
          List.of(
              "x-portkey-aws-access-key-id",
              "AKIAREPLAYREPLAY0000",
              "x-portkey-aws-secret-access-key",
              "replaySecretKeyReplaySecretKeyReplay0000"));

  /**
   * The path of each provider's base URL on its host (OpenAI's {@code https://api.openai.com/v1}),
   * which a fixture's request path begins with; the replayed provider's base URL keeps it.
   */
  private static final Map<String, String> BASE_PATHS =
      Map.of(
          "openai",
          "/v1",
          "anthropic",
          "/v1",
          "mistral-ai",
          "/v1",
          "groq",
          "/openai/v1",
          "azure-openai",
          "/openai");

  static Stream<Path> fixtures() throws IOException, URISyntaxException {
    Path root = Path.of(ProviderReplayTest.class.getResource("/replay").toURI());
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> all = files.filter(file -> file.toString().endsWith(".json")).sorted().toList();
      assertThat(all).isNotEmpty();
      return all.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void theGatewaySendsTheRecordedRequestAndTranslatesTheRecordedAnswer(Path file) throws Exception {
    ReplayFixture fixture = ReplayFixture.read(file);
    boolean embeddings =
        fixture.client().path().equals("/v1/embeddings") && fixture.response().status() < 400;
    try (FakeReplay provider = FakeReplay.serving(fixture);
        GatewayUnderTest gateway =
            GatewayUnderTest.withEngine(
                GatewaySettings.builder()
                    .providerBaseUrl(
                        fixture.provider(),
                        URI.create(
                            provider.origin() + BASE_PATHS.getOrDefault(fixture.provider(), "")))
                    .build(),
                engine -> {})) {
      HttpResponse<String> answer =
          gateway.postJson(
              fixture.client().path(), fixture.client().body().toString(), clientHeaders(fixture));

      RecordedRequest sent = provider.takeRequest(Duration.ofSeconds(5));
      SoftAssertions softly = new SoftAssertions();
      assertSentAsRecorded(softly, fixture.request(), sent);
      if (fixture.client().path().equals("/v1/messages")) {
        assertMessagesAnswer(softly, fixture, answer);
      } else if (embeddings) {
        assertEmbedded(softly, fixture, ProviderEmbeddings.of(fixture), answer);
      } else {
        assertTranslated(softly, fixture, ProviderAnswer.of(fixture), answer);
      }
      softly.assertAll();
    }
  }

  private static String[] clientHeaders(ReplayFixture fixture) {
    List<String> headers = new ArrayList<>();
    fixture
        .client()
        .headers()
        .forEach((name, value) -> {
          headers.add(name);
          headers.add(value);
        });
    headers.addAll(
        CREDENTIALS.getOrDefault(
            fixture.provider(), List.of("authorization", "Bearer replay-key")));
    return headers.toArray(String[]::new);
  }

  /** Method, path, the query's names, the model and the body's keys as recorded. */
  private static void assertSentAsRecorded(
      SoftAssertions softly, ReplayFixture.ProviderRequest recorded, RecordedRequest sent) {
    assertThat(sent).as("the gateway's request to the provider").isNotNull();
    softly.assertThat(sent.method()).as("method").isEqualTo(recorded.method());
    softly.assertThat(sent.path()).as("path").isEqualTo(recorded.pathOnly());
    softly.assertThat(queryNames(sent.query())).as("query").isEqualTo(queryNames(recorded.query()));
    JsonNode body = recorded.body();
    if (body != null && body.isObject()) {
      JsonNode sentBody = sent.json();
      softly.assertThat(keys(sentBody)).as("the body's keys").isEqualTo(keys(body));
      if (body.has("model")) {
        softly
            .assertThat(sentBody.path("model").asText())
            .as("model")
            .isEqualTo(body.get("model").asText());
      }
    }
  }

  /** The answer OpenAI's format makes of the provider's. */
  private static void assertTranslated(
      SoftAssertions softly,
      ReplayFixture fixture,
      ProviderAnswer expected,
      HttpResponse<String> answer) {
    if (expected.errorMessage() != null) {
      softly.assertThat(answer.statusCode()).as("status").isEqualTo(expected.status());
      JsonNode error = WireJson.tree(answer.body()).path("error");
      softly
          .assertThat(keys(error))
          .as("OpenAI's error shape")
          .contains("message", "type", "param", "code");
      softly
          .assertThat(error.path("message").asText())
          .as("error message")
          .contains(expected.errorMessage());
      return;
    }
    softly.assertThat(answer.statusCode()).as("status; body " + answer.body()).isEqualTo(200);
    JsonNode choice;
    JsonNode usage;
    if (fixture.client().body().path("stream").asBoolean(false)) {
      List<String> events = GatewayUnderTest.sseData(answer.body());
      softly.assertThat(events).as("the stream's end").endsWith("[DONE]");
      JsonNode assembled = StreamAssembly.assemble(events);
      choice = assembled;
      usage = assembled.path("usage");
    } else {
      JsonNode body = WireJson.tree(answer.body());
      softly.assertThat(body.path("object").asText()).isEqualTo("chat.completion");
      choice = body.path("choices").path(0);
      usage = body.path("usage");
    }
    JsonNode message = choice.path("message");
    softly
        .assertThat(Objects.requireNonNullElse(message.path("content").asText(null), ""))
        .as("content")
        .isEqualTo(expected.text());
    softly
        .assertThat(choice.path("finish_reason").asText(null))
        .as("finish_reason")
        .isEqualTo(expected.finishReason());
    List<ProviderAnswer.ToolCall> calls = new ArrayList<>();
    for (JsonNode call : message.path("tool_calls")) {
      softly.assertThat(call.path("type").asText()).as("tool call type").isEqualTo("function");
      calls.add(
          new ProviderAnswer.ToolCall(
              call.path("id").asText(null),
              call.path("function").path("name").asText(),
              WireJson.tree(call.path("function").path("arguments").asText())));
    }
    softly.assertThat(calls.size()).as("tool calls").isEqualTo(expected.toolCalls().size());
    for (int i = 0; i < Math.min(calls.size(), expected.toolCalls().size()); i++) {
      ProviderAnswer.ToolCall want = expected.toolCalls().get(i);
      ProviderAnswer.ToolCall got = calls.get(i);
      softly.assertThat(got.name()).as("tool call " + i + " name").isEqualTo(want.name());
      softly
          .assertThat(got.arguments())
          .as("tool call " + i + " arguments")
          .isEqualTo(want.arguments());
      if (want.id() != null) {
        softly.assertThat(got.id()).as("tool call " + i + " id").isEqualTo(want.id());
      } else {
        softly.assertThat(got.id()).as("tool call " + i + " id").isNotBlank();
      }
    }
    boolean usageAsked =
        !fixture.client().body().path("stream").asBoolean(false)
            || fixture.client().body().path("stream_options").path("include_usage").asBoolean();
    if (expected.promptTokens() >= 0 && (usageAsked || usage.isObject())) {
      softly
          .assertThat(usage.path("prompt_tokens").asInt(-1))
          .as("prompt_tokens")
          .isEqualTo(expected.promptTokens());
      softly
          .assertThat(usage.path("completion_tokens").asInt(-1))
          .as("completion_tokens")
          .isEqualTo(expected.completionTokens());
    }
  }

  /**
   * Anthropic's Messages API through the gateway: the provider answered in Anthropic's format
   * (Anthropic's own, or Claude's InvokeModel on Bedrock), and so does the gateway, with the same
   * text, tool uses (ids, names, input), stop reason and token counts, whole or streamed; or the
   * provider's error status and message.
   */
  private static void assertMessagesAnswer(
      SoftAssertions softly, ReplayFixture fixture, HttpResponse<String> answer) {
    ProviderAnswer expected =
        ProviderAnswer.of(inAnthropicsFormat(fixture, anthropicEvents(fixture.response())));
    ProviderAnswer got =
        ProviderAnswer.of(
            inAnthropicsFormat(
                fixture,
                new ReplayFixture.ProviderResponse(
                    answer.statusCode(),
                    Map.of("content-type", answer.headers().firstValue("content-type").orElse("")),
                    answer.body().getBytes(StandardCharsets.UTF_8))));
    softly
        .assertThat(got.status())
        .as("status; body " + answer.body())
        .isEqualTo(expected.status());
    if (expected.errorMessage() != null) {
      // Within Portkey's "<provider> error: " prefix, as on the chat route.
      softly.assertThat(got.errorMessage()).as("error message").contains(expected.errorMessage());
      return;
    }
    assertThat(expected.text().isEmpty() && expected.toolCalls().isEmpty())
        .as("the recorded answer holds text or a tool use")
        .isFalse();
    softly.assertThat(got.text()).as("text").isEqualTo(expected.text());
    softly.assertThat(got.toolCalls()).as("tool uses").isEqualTo(expected.toolCalls());
    softly.assertThat(got.finishReason()).as("stop reason").isEqualTo(expected.finishReason());
    softly.assertThat(got.promptTokens()).as("input_tokens").isEqualTo(expected.promptTokens());
    softly
        .assertThat(got.completionTokens())
        .as("output_tokens")
        .isEqualTo(expected.completionTokens());
  }

  /**
   * Bedrock's InvokeModelWithResponseStream answer as the server-sent events of Anthropic's it
   * carries: each {@code chunk} frame's {@code bytes} is one event's JSON, base64-encoded
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html);
   * any other answer as it is.
   */
  private static ReplayFixture.ProviderResponse anthropicEvents(
      ReplayFixture.ProviderResponse response) {
    String type = String.valueOf(response.header("content-type"));
    if (!type.contains("eventstream")) {
      return response;
    }
    MessageDecoder decoder = new MessageDecoder();
    decoder.feed(response.body());
    StringBuilder events = new StringBuilder();
    for (Message frame : decoder.getDecodedMessages()) {
      JsonNode payload = WireJson.tree(new String(frame.getPayload(), StandardCharsets.UTF_8));
      String event =
          new String(
              Base64.getDecoder().decode(payload.path("bytes").asText()), StandardCharsets.UTF_8);
      events
          .append("event: ")
          .append(WireJson.tree(event).path("type").asText())
          .append("\ndata: ")
          .append(event)
          .append("\n\n");
    }
    return new ReplayFixture.ProviderResponse(
        response.status(),
        Map.of("content-type", "text/event-stream"),
        events.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** {@code response} as an answer of Anthropic's, to be read in Anthropic's format. */
  private static ReplayFixture inAnthropicsFormat(
      ReplayFixture fixture, ReplayFixture.ProviderResponse response) {
    return new ReplayFixture(
        "anthropic",
        fixture.scenario(),
        fixture.origin(),
        fixture.client(),
        fixture.request(),
        response);
  }

  /**
   * The embeddings OpenAI's format makes of the provider's: as many as it sent, in order, each with
   * the provider's values (at float32 precision when the client asked for base64, which is what
   * OpenAI's base64 holds) and as many dimensions as asked, and its token count as the usage.
   */
  private static void assertEmbedded(
      SoftAssertions softly,
      ReplayFixture fixture,
      ProviderEmbeddings expected,
      HttpResponse<String> answer) {
    softly.assertThat(answer.statusCode()).as("status; body " + answer.body()).isEqualTo(200);
    JsonNode body = WireJson.tree(answer.body());
    softly.assertThat(body.path("object").asText()).as("object").isEqualTo("list");
    assertThat(expected.vectors()).as("the recorded answer's embeddings").isNotEmpty();
    JsonNode data = body.path("data");
    softly.assertThat(data.size()).as("embeddings").isEqualTo(expected.vectors().size());
    JsonNode client = fixture.client().body();
    boolean base64 = "base64".equals(client.path("encoding_format").asText(null));
    for (int i = 0; i < Math.min(data.size(), expected.vectors().size()); i++) {
      JsonNode item = data.get(i);
      softly
          .assertThat(item.path("object").asText())
          .as("data " + i + " object")
          .isEqualTo("embedding");
      softly.assertThat(item.path("index").asInt(-1)).as("data " + i + " index").isEqualTo(i);
      JsonNode embedding = item.path("embedding");
      softly
          .assertThat(embedding.isTextual())
          .as("embedding " + i + " in base64")
          .isEqualTo(base64);
      double[] got = ProviderEmbeddings.vector(embedding);
      double[] want = expected.vectors().get(i).clone();
      if (base64) {
        for (int d = 0; d < want.length; d++) {
          want[d] = (float) want[d];
        }
      }
      softly.assertThat(got).as("embedding " + i + " values").containsExactly(want);
      if (client.has("dimensions")) {
        softly
            .assertThat(got.length)
            .as("embedding " + i + " dimensions")
            .isEqualTo(client.get("dimensions").asInt());
      }
    }
    JsonNode usage = body.path("usage");
    softly
        .assertThat(usage.path("prompt_tokens").asInt(-1))
        .as("prompt_tokens")
        .isEqualTo(expected.promptTokens());
    softly
        .assertThat(usage.path("total_tokens").asInt(-1))
        .as("total_tokens")
        .isEqualTo(expected.promptTokens());
  }

  private static TreeSet<String> keys(JsonNode object) {
    TreeSet<String> keys = new TreeSet<>();
    object.fieldNames().forEachRemaining(keys::add);
    return keys;
  }

  private static TreeSet<String> queryNames(String query) {
    TreeSet<String> names = new TreeSet<>();
    if (query != null && !query.isEmpty()) {
      Arrays.stream(query.split("&")).map(pair -> pair.split("=", 2)[0]).forEach(names::add);
    }
    return names;
  }
}
