package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FakeGemini speaks the Gemini API's formats, checks the key and refuses what Gemini refuses. */
class FakeGeminiTest {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String HELLO =
      "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi there\"}]}]}";
  static FakeGemini gemini;

  @BeforeAll
  static void start() {
    gemini = FakeGemini.start();
  }

  @AfterAll
  static void stop() {
    gemini.close();
  }

  static HttpResponse<String> post(String pathAndQuery, String body, String key)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(gemini.origin() + pathAndQuery))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("x-goog-api-key", key);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> generate(String body) throws IOException, InterruptedException {
    return post(
        "/v1beta/models/gemini-2.5-flash:generateContent", body, FakeGemini.DEFAULT_API_KEY);
  }

  @Test
  void answersAGenerateContentResponse() throws Exception {
    var response = generate(HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode answer = json(response);
    assertThat(answer.at("/candidates/0/content/role").asText()).isEqualTo("model");
    assertThat(answer.at("/candidates/0/content/parts/0/text").asText())
        .isEqualTo("Hello from Gemini. You said: Hi there");
    assertThat(answer.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(answer.at("/usageMetadata/promptTokenCount").asInt()).isEqualTo(2);
    assertThat(answer.at("/usageMetadata/totalTokenCount").asInt())
        .isEqualTo(2 + answer.at("/usageMetadata/candidatesTokenCount").asInt());
    assertThat(answer.path("modelVersion").asText()).isEqualTo("gemini-2.5-flash");
    assertThat(answer.path("responseId").asText()).hasSize(22);
  }

  @Test
  void checksTheKeyInTheHeaderOrTheQuery() throws Exception {
    var none = post("/v1beta/models/gemini-2.5-flash:generateContent", HELLO, null);
    var wrong = post("/v1beta/models/gemini-2.5-flash:generateContent", HELLO, "AIzaWrong");
    var inQuery =
        post(
            "/v1beta/models/gemini-2.5-flash:generateContent?key=" + FakeGemini.DEFAULT_API_KEY,
            HELLO,
            null);

    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(json(none).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(wrong.statusCode()).isEqualTo(400);
    assertThat(json(wrong).path("error"))
        .isEqualTo(
            json(
                "{\"code\":400,\"message\":\"API key not valid. Please pass a valid API key.\","
                    + "\"status\":\"INVALID_ARGUMENT\"}"));
    assertThat(inQuery.statusCode()).isEqualTo(200);
  }

  @Test
  void streamsServerSentEventsFramedAsGoogleFramesThem() throws Exception {
    gemini.enqueue(
        GeminiReply.builder()
            .text("one two three four five six seven")
            .functionCall("a", "{\"x\":1}")
            .functionCall("b", "{}")
            .build());

    var response =
        post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            HELLO,
            FakeGemini.DEFAULT_API_KEY);

    assertThat(response.headers().firstValue("content-type").orElseThrow())
        .startsWith("text/event-stream");
    String body = response.body();
    assertThat(body).startsWith("data: {").endsWith("}\r\n\r\n").doesNotContain("[DONE]");
    List<String> events = RawHttp.dataEvents(body.replace("\r", ""));
    assertThat(events).hasSize(4); // three words, three words, one word, both calls
    JsonNode last = json(events.getLast());
    assertThat(last.at("/candidates/0/content/parts")).hasSize(2);
    assertThat(last.at("/candidates/0/content/parts/1/functionCall/name").asText()).isEqualTo("b");
    assertThat(last.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
    assertThat(json(events.getFirst()).at("/candidates/0/finishReason").isMissingNode()).isTrue();
    assertThat(json(events.getFirst()).path("responseId")).isEqualTo(last.path("responseId"));
  }

  @Test
  void streamsAJsonArrayWithoutAltSse() throws Exception {
    var response =
        post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
            HELLO,
            FakeGemini.DEFAULT_API_KEY);

    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json(response).isArray()).isTrue();
  }

  @Test
  void refusesWhatGeminiRefuses() throws Exception {
    record Case(String body, String message) {}
    for (Case bad :
        List.of(
            new Case("{\"messages\":[]}", "Unknown name \"messages\""),
            new Case("{\"contents\":[]}", "contents is not specified"),
            new Case(
                "{\"contents\":[{\"role\":\"assistant\",\"parts\":[{\"text\":\"x\"}]}]}",
                "Please use a valid role: user, model."),
            new Case(
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"functionResponse\":"
                    + "{\"name\":\"f\",\"response\":{}}}]}]}",
                "number of function response parts is equal to the number of function call"),
            new Case(
                "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],\"tools\":[{\"functionDeclarations\":"
                    + "[{\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                    + "\"additionalProperties\":false}}]}]}",
                "Unknown name \"additionalProperties\""),
            new Case(
                "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],"
                    + "\"generationConfig\":{\"max_tokens\":5}}",
                "Unknown name \"max_tokens\" at 'generation_config'"),
            new Case(
                "{\"contents\":[{\"parts\":[{\"text\":\"x\"}]}],"
                    + "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"REQUIRED\"}}}",
                "function_calling_config.mode"))) {
      var response = generate(bad.body());
      assertThat(response.statusCode()).as(bad.body()).isEqualTo(400);
      assertThat(json(response).at("/error/status").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(json(response).at("/error/message").asText()).contains(bad.message());
    }
  }

  @Test
  void aBlockedPromptHasNoCandidates() throws Exception {
    gemini.enqueue(GeminiReply.blocked("SAFETY"));

    JsonNode answer = json(generate(HELLO));

    assertThat(answer.has("candidates")).isFalse();
    assertThat(answer.at("/promptFeedback/blockReason").asText()).isEqualTo("SAFETY");
  }

  @Test
  void faultsAnswerGooglesErrorShape() throws Exception {
    gemini.enqueue(Fault.status(429));
    var throttled = generate(HELLO);
    gemini.enqueue(Fault.streamError(1, 503));
    var broken =
        post(
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
            "{\"contents\":[{\"parts\":[{\"text\":\"a b c d e f g h\"}]}]}",
            FakeGemini.DEFAULT_API_KEY);

    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(json(throttled).at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
    List<String> events = RawHttp.dataEvents(broken.body().replace("\r", ""));
    assertThat(json(events.getLast()).at("/error/code").asInt()).isEqualTo(503);
  }

  @Test
  void embedsOneOrABatchAndListsModels() throws Exception {
    var one =
        post(
            "/v1beta/models/text-embedding-004:embedContent",
            "{\"content\":{\"parts\":[{\"text\":\"hi\"}]},\"outputDimensionality\":3}",
            FakeGemini.DEFAULT_API_KEY);
    var batch =
        post(
            "/v1beta/models/text-embedding-004:batchEmbedContents",
            "{\"requests\":[{\"model\":\"models/text-embedding-004\",\"content\":{\"parts\":"
                + "[{\"text\":\"a\"}]}},{\"model\":\"models/other\",\"content\":{\"parts\":"
                + "[{\"text\":\"b\"}]}}]}",
            FakeGemini.DEFAULT_API_KEY);
    var models =
        CLIENT.send(
            HttpRequest.newBuilder(URI.create(gemini.origin() + "/v1beta/models"))
                .header("x-goog-api-key", FakeGemini.DEFAULT_API_KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(json(one).at("/embedding/values")).hasSize(3);
    assertThat(batch.statusCode()).isEqualTo(400);
    assertThat(json(batch).at("/error/message").asText()).contains("Model names should match");
    assertThat(json(models).at("/models/0/name").asText()).startsWith("models/gemini-");
  }
}
