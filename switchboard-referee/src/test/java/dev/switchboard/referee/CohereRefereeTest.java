package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.cohere.api.resources.v2.requests.V2ChatRequest;
import com.cohere.api.resources.v2.requests.V2ChatStreamRequest;
import com.cohere.api.resources.v2.requests.V2EmbedRequest;
import com.cohere.api.resources.v2.types.V2ChatResponse;
import com.cohere.api.resources.v2.types.V2ChatStreamResponse;
import com.cohere.api.types.EmbedResponse;
import com.cohere.api.types.ListModelsResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.referee.GatewayTraffic.Replayed;
import dev.switchboard.testkit.CohereReply;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Cohere's Java SDK judges every v2 chat and embed request the gateway sent the Cohere fake, and
 * what the fake answers it (the request sent again, as it was; one that offered tools is answered
 * with a tool call), whole or as stream events, and the models list it serves.
 */
class CohereRefereeTest {
  @TestFactory
  Stream<DynamicTest> cohereSdkJudgesWhatTheGatewaySentCohereAndWhatItAnswered() {
    GatewayTraffic traffic = GatewayTraffic.shared();
    List<DynamicTest> tests = new ArrayList<>();
    for (RecordedRequest request : traffic.cohere.requests()) {
      tests.add(
          DynamicTest.dynamicTest(
              "cohere "
                  + request.method()
                  + " "
                  + request.path()
                  + " "
                  + ProviderRequestsRefereeTest.summary(request),
              () -> {
                List<String> findings = new ArrayList<>(judgeRequest(request));
                if (request.path().equals("/v2/chat")
                    && offersTools(WireJson.tree(request.body()))) {
                  traffic.cohere.enqueue(
                      CohereReply.toolCalls(
                          "I will look up the weather.",
                          new CohereReply.ToolCall(
                              "get_weather_referee2", "get_weather", "{\"city\":\"Paris\"}")));
                }
                Replayed answer = traffic.replay(traffic.cohere.baseUrl(), request);
                if (!withoutMessages(request)) {
                  assertThat(answer.status()).as(answer.text()).isEqualTo(200);
                  findings.addAll(judgeAnswer(request, answer));
                }
                ProviderRequestsRefereeTest.assertPasses("cohere", request, findings);
              }));
    }
    assertThat(tests).hasSizeGreaterThanOrEqualTo(8);
    return tests.stream();
  }

  static List<String> judgeRequest(RecordedRequest request) {
    return switch (request.method() + " " + request.path()) {
      case "POST /v2/chat" -> {
        boolean stream = WireJson.tree(request.body()).path("stream").asBoolean(false);
        yield FernReferee.judge(
            request.body(), stream ? V2ChatStreamRequest.class : V2ChatRequest.class, "request");
      }
      case "POST /v2/embed" -> FernReferee.judge(request.body(), V2EmbedRequest.class, "request");
      case "GET /v1/models" -> List.of();
      default -> List.of(request.path() + ": not a path of Cohere's SDK");
    };
  }

  static List<String> judgeAnswer(RecordedRequest request, Replayed answer) {
    if (request.path().equals("/v1/models")) {
      return FernReferee.judge(answer.text(), ListModelsResponse.class, "answer");
    }
    if (request.path().equals("/v2/embed")) {
      List<String> findings =
          new ArrayList<>(
              AlwaysSent.missing(
                  WireJson.tree(answer.text()),
                  "answer",
                  "/id",
                  "/embeddings",
                  "/meta/billed_units"));
      // Cohere's SDK reads response_type as the discriminant of its EmbedResponse union, whose
      // embeddings_by_type variant is v2's answer
      if (!WireJson.tree(answer.text())
          .path("response_type")
          .asText()
          .equals("embeddings_by_type")) {
        findings.add("answer.response_type: not embeddings_by_type, v2's only answer");
      }
      findings.addAll(FernReferee.judge(answer.text(), EmbedResponse.class, "answer"));
      return findings;
    }
    if (!answer.contentType().startsWith("text/event-stream")) {
      List<String> findings =
          new ArrayList<>(
              AlwaysSent.missing(
                  WireJson.tree(answer.text()),
                  "answer",
                  "/message/role",
                  "/usage/billed_units/input_tokens",
                  "/usage/billed_units/output_tokens",
                  "/usage/tokens/input_tokens",
                  "/usage/tokens/output_tokens"));
      findings.addAll(FernReferee.judge(answer.text(), V2ChatResponse.class, "answer"));
      return findings;
    }
    List<Sse.Event> events = Sse.events(answer.text());
    assertThat(events).isNotEmpty();
    assertThat(events.getFirst().name()).isEqualTo("message-start");
    assertThat(events.getLast().name()).isEqualTo("message-end");
    List<String> findings = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Sse.Event event = events.get(i);
      String at = "event " + i + " " + event.name();
      JsonNode data = WireJson.tree(event.data());
      if (!data.path("type").asText().equals(event.name())) {
        findings.add(at + ": its data's type is " + data.path("type"));
      }
      if ("message-end".equals(event.name())) {
        findings.addAll(
            AlwaysSent.missing(
                data,
                at,
                "/delta/finish_reason",
                "/delta/usage/billed_units/input_tokens",
                "/delta/usage/tokens/output_tokens"));
      }
      findings.addAll(FernReferee.judge(event.data(), V2ChatStreamResponse.class, at));
    }
    return findings;
  }

  /** The traffic's chat without messages, sent on to see the error. */
  private static boolean withoutMessages(RecordedRequest request) {
    return request.path().equals("/v2/chat")
        && WireJson.tree(request.body()).path("messages").isEmpty();
  }

  /** A request that offers tools and does not answer a call: the fake calls the tool. */
  private static boolean offersTools(JsonNode body) {
    JsonNode messages = body.path("messages");
    return body.path("tools").size() > 0
        && !messages.path(messages.size() - 1).path("role").asText().equals("tool");
  }
}
