package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.switchboard.referee.GatewayTraffic.Replayed;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each provider's own SDK judges what the gateway sent that provider's fake, and what the fake
 * answered it (the request sent to the fake again, as it was): OpenAI's for the OpenAI-compatible
 * and Azure fakes, Anthropic's for Anthropic's.
 */
class ProviderRequestsRefereeTest {
  static final StainlessReferee OPENAI = StainlessReferee.openAi();
  static final StainlessReferee ANTHROPIC = StainlessReferee.anthropic();

  @TestFactory
  Stream<DynamicTest> openAiSdkJudgesWhatTheGatewaySentOpenAiAndAzureAndWhatTheyAnswered() {
    GatewayTraffic traffic = GatewayTraffic.shared();
    List<DynamicTest> tests = new ArrayList<>();
    for (var fake :
        List.of(
            new Fake("openai", traffic.openAi.origin(), traffic.openAi.requests()),
            new Fake("azure-openai", traffic.azure.origin(), traffic.azure.requests()))) {
      for (RecordedRequest request : fake.requests()) {
        if (!request.method().equals("POST") || deliberatelyInvalid(request)) {
          continue;
        }
        Class<?> body = openAiRequestType(request.path());
        tests.add(
            DynamicTest.dynamicTest(
                fake.family() + " " + request.path() + " " + summary(request),
                () -> {
                  List<String> findings =
                      new ArrayList<>(OPENAI.judge(withoutStream(request), body));
                  Replayed answer = traffic.replay(fake.origin(), request);
                  if (answer.status() == 200) {
                    findings.addAll(openAiAnswer(request, answer));
                  }
                  assertPasses(fake.family(), request, findings);
                }));
      }
    }
    assertThat(tests).hasSizeGreaterThan(15);
    return tests.stream();
  }

  @TestFactory
  Stream<DynamicTest> anthropicSdkJudgesWhatTheGatewaySentAnthropicAndWhatItAnswered() {
    GatewayTraffic traffic = GatewayTraffic.shared();
    List<DynamicTest> tests = new ArrayList<>();
    for (RecordedRequest request : traffic.anthropic.requests()) {
      boolean count = request.path().endsWith("/count_tokens");
      tests.add(
          DynamicTest.dynamicTest(
              "anthropic " + request.path() + " " + summary(request),
              () -> {
                List<String> findings =
                    new ArrayList<>(
                        ANTHROPIC.judge(
                            withoutStream(request),
                            count
                                ? MessageCountTokensParams.Body.class
                                : MessageCreateParams.Body.class));
                Replayed answer = traffic.replay(traffic.anthropic.origin(), request);
                if (answer.status() == 200) {
                  findings.addAll(anthropicAnswer(answer, count));
                }
                assertPasses("anthropic", request, findings);
              }));
    }
    assertThat(tests).hasSizeGreaterThan(10);
    return tests.stream();
  }

  /** Anthropic's answer: a message, its stream's events, or a token count. */
  static List<String> anthropicAnswer(Replayed answer, boolean count) {
    if (count) {
      return ANTHROPIC.judge(answer.text(), MessageTokensCount.class);
    }
    if (!answer.contentType().startsWith("text/event-stream")) {
      return ANTHROPIC.judge(answer.text(), Message.class);
    }
    List<String> findings = new ArrayList<>();
    List<Sse.Event> events = Sse.events(answer.text());
    assertThat(events).isNotEmpty();
    for (Sse.Event event : events) {
      if (event.name() != null && event.name().equals("ping")) {
        continue;
      }
      ANTHROPIC.judge(event.data(), RawMessageStreamEvent.class).stream()
          .map(f -> "event " + event.name() + ": " + f)
          .forEach(findings::add);
    }
    return findings;
  }

  static List<String> openAiAnswer(RecordedRequest request, Replayed answer) {
    boolean streamed = answer.contentType().startsWith("text/event-stream");
    Class<?> type =
        request.path().endsWith("/embeddings")
            ? CreateEmbeddingResponse.class
            : request.path().endsWith("/chat/completions")
                ? (streamed ? ChatCompletionChunk.class : ChatCompletion.class)
                : Completion.class;
    if (!streamed) {
      return OPENAI.judge(answer.text(), type);
    }
    List<String> findings = new ArrayList<>();
    for (String data : Sse.data(answer.text())) {
      if (!data.equals("[DONE]")) {
        OPENAI.judge(data, type).stream().map(f -> "event: " + f).forEach(findings::add);
      }
    }
    return findings;
  }

  static Class<?> openAiRequestType(String path) {
    if (path.endsWith("/chat/completions")) {
      return ChatCompletionCreateParams.Body.class;
    }
    if (path.endsWith("/completions")) {
      return CompletionCreateParams.Body.class;
    }
    if (path.endsWith("/embeddings")) {
      return EmbeddingCreateParams.Body.class;
    }
    throw new IllegalArgumentException(path);
  }

  /**
   * The request's body without {@code stream}: the Stainless SDKs set it apart from their body
   * model ({@code createStreaming}), so the model does not know it.
   */
  static String withoutStream(RecordedRequest request) {
    ObjectNode body = (ObjectNode) WireJson.tree(request.body());
    body.remove("stream");
    return body.toString();
  }

  /** The traffic's request without messages, prompt or input, sent on to see the error. */
  static boolean deliberatelyInvalid(RecordedRequest request) {
    var body = WireJson.tree(request.body());
    return !body.has("messages") && !body.has("prompt") && !body.has("input");
  }

  static String summary(RecordedRequest request) {
    String body = request.body();
    return body.length() > 60 ? body.substring(0, 60) + "…" : body;
  }

  static void assertPasses(String family, RecordedRequest request, List<String> findings) {
    Deliberate.assertNoneBut(family, family + " " + request.path(), findings, request.body());
  }

  record Fake(String family, String origin, List<RecordedRequest> requests) {}
}
