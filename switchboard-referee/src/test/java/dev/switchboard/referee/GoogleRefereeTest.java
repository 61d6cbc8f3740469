package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.genai.types.Content;
import com.google.genai.types.EmbedContentResponse;
import com.google.genai.types.GenerateContentResponse;
import dev.switchboard.referee.GatewayTraffic.Replayed;
import dev.switchboard.testkit.GeminiReply;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Google's GenAI SDK judges every {@code generateContent}, {@code streamGenerateContent} and {@code
 * batchEmbedContents} request the gateway sent the Gemini and Vertex AI fakes, and what the fake
 * answers it (the request sent again, as it was; one that offered tools is answered with a function
 * call): each body read into the SDK's classes and written back without loss, and the fields Google
 * sends on every answer present.
 */
class GoogleRefereeTest {
  private static final String ARGUMENTS = "{\"city\":\"Paris\"}";

  @TestFactory
  Stream<DynamicTest> genAiSdkJudgesWhatTheGatewaySentGeminiAndVertexAndWhatTheyAnswered() {
    GatewayTraffic traffic = GatewayTraffic.shared();
    List<DynamicTest> tests = new ArrayList<>();
    add(
        tests,
        "google",
        traffic.gemini.origin(),
        traffic.gemini.requests(),
        traffic.gemini::enqueue);
    add(
        tests,
        "vertex-ai",
        traffic.vertex.origin(),
        traffic.vertex.apiRequests(),
        traffic.vertex::enqueue);
    assertThat(tests).hasSizeGreaterThanOrEqualTo(15);
    return tests.stream();
  }

  private static void add(
      List<DynamicTest> tests,
      String family,
      String origin,
      List<RecordedRequest> requests,
      Consumer<GeminiReply> enqueue) {
    GatewayTraffic traffic = GatewayTraffic.shared();
    for (RecordedRequest request : requests) {
      String method = request.path().substring(request.path().lastIndexOf(':') + 1);
      if (!request.method().equals("POST")
          || !JUDGED.contains(method)
          || WireJson.tree(request.body()).path("contents").isEmpty()
              && !method.equals("batchEmbedContents")) {
        // the traffic's chat without messages reaches Google as no contents, to see the error
        continue;
      }
      tests.add(
          DynamicTest.dynamicTest(
              family + " " + request.path() + " " + ProviderRequestsRefereeTest.summary(request),
              () -> {
                JsonNode body = WireJson.tree(request.body());
                List<String> findings = new ArrayList<>(judgeRequest(method, body, family));
                if (offersTools(body)) {
                  enqueue.accept(
                      GeminiReply.builder().functionCall("get_weather", ARGUMENTS).build());
                }
                Replayed answer = traffic.replay(origin, request);
                assertThat(answer.status()).as(answer.text()).isEqualTo(200);
                findings.addAll(judgeAnswer(method, answer, family));
                ProviderRequestsRefereeTest.assertPasses(family, request, findings);
              }));
    }
  }

  private static final Set<String> JUDGED =
      Set.of("generateContent", "streamGenerateContent", "batchEmbedContents");

  static List<String> judgeRequest(String method, JsonNode body, String family) {
    if (!method.equals("batchEmbedContents")) {
      return GenAiReferee.judgeRequest(body, family.equals("vertex-ai"));
    }
    // ai.google.dev/api/embeddings#method:-models.batchembedcontents: requests[] of
    // EmbedContentRequest {model, content, taskType, title, outputDimensionality}
    List<String> findings = new ArrayList<>();
    Set<String> members = Set.of("model", "content", "taskType", "title", "outputDimensionality");
    JsonNode each = body.path("requests");
    findings.addAll(
        AlwaysSent.missing(body, "request", "/requests/0/content", "/requests/0/model"));
    for (int i = 0; i < each.size(); i++) {
      String at = "request.requests[" + i + "]";
      for (Iterator<String> names = each.get(i).fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!members.contains(name)) {
          findings.add(at + "." + name + ": unknown to the API");
        }
      }
      findings.addAll(
          GenAiReferee.judge(each.get(i).path("content"), Content.class, at + ".content"));
    }
    return findings;
  }

  static List<String> judgeAnswer(String method, Replayed answer, String family) {
    if (method.equals("batchEmbedContents")) {
      JsonNode body = WireJson.tree(answer.text());
      List<String> findings = new ArrayList<>();
      findings.addAll(AlwaysSent.missing(body, "answer", "/embeddings/0/values"));
      findings.addAll(GenAiReferee.judge(body, EmbedContentResponse.class, "answer"));
      return findings;
    }
    if (method.equals("generateContent")) {
      JsonNode body = WireJson.tree(answer.text());
      List<String> findings = new ArrayList<>(alwaysSent(body, "answer", family));
      findings.addAll(AlwaysSent.missing(body, "answer", "/candidates/0/finishReason"));
      findings.addAll(GenAiReferee.judge(body, GenerateContentResponse.class, "answer"));
      return findings;
    }
    assertThat(answer.contentType()).startsWith("text/event-stream");
    List<String> events = Sse.data(answer.text());
    assertThat(events).isNotEmpty();
    List<String> findings = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      String at = "event " + i;
      JsonNode event = WireJson.tree(events.get(i));
      findings.addAll(alwaysSent(event, at, family));
      if (i == events.size() - 1) {
        findings.addAll(AlwaysSent.missing(event, at, "/candidates/0/finishReason"));
      }
      findings.addAll(GenAiReferee.judge(event, GenerateContentResponse.class, at));
    }
    return findings;
  }

  /**
   * What Google sends on every answer and every stream event: the candidate's content with its role
   * and parts, the usage, the model version and the response's id (and, on Vertex AI, when it was
   * created).
   */
  private static List<String> alwaysSent(JsonNode answer, String at, String family) {
    List<String> findings =
        new ArrayList<>(
            AlwaysSent.missing(
                answer,
                at,
                "/candidates/0/content/role",
                "/candidates/0/content/parts/0",
                "/usageMetadata/promptTokenCount",
                "/usageMetadata/totalTokenCount",
                "/modelVersion",
                "/responseId"));
    if (family.equals("vertex-ai")) {
      findings.addAll(AlwaysSent.missing(answer, at, "/createTime"));
    }
    return findings;
  }

  /** A request that offers tools and does not answer a call: the fake calls the tool. */
  private static boolean offersTools(JsonNode body) {
    JsonNode contents = body.path("contents");
    JsonNode last = contents.path(contents.size() - 1);
    for (JsonNode part : last.path("parts")) {
      if (part.has("functionResponse")) {
        return false;
      }
    }
    return body.path("tools").size() > 0;
  }
}
