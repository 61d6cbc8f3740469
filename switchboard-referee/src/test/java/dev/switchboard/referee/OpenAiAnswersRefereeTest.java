package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.models.ErrorObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.completions.Completion;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.models.ModelListPageResponse;
import dev.switchboard.referee.GatewayTraffic.Answer;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * OpenAI's Java SDK judges every answer the gateway gives in OpenAI's format, from every provider
 * family: read into the SDK's class with its mapper, {@code validate()}d, and no key unknown to the
 * SDK where its schema is closed.
 */
class OpenAiAnswersRefereeTest {
  static final StainlessReferee OPENAI = StainlessReferee.openAi();

  @TestFactory
  Stream<DynamicTest> everyAnswerPassesOpenAisSdk() {
    List<Answer> answers =
        GatewayTraffic.shared().answers.stream()
            .filter(answer -> !answer.shape().startsWith("messages"))
            .filter(answer -> !answer.shape().equals("count tokens"))
            .toList();
    assertThat(answers).hasSizeGreaterThan(60);
    return answers.stream()
        .map(answer -> DynamicTest.dynamicTest(answer.toString(), () -> judge(answer)));
  }

  static void judge(Answer answer) {
    boolean error = answer.shape().startsWith("error");
    List<String> findings = new ArrayList<>();
    if (error && answer.status() == 200) {
      findings.add("status 200 where OpenAI refuses the request");
      error = false;
    } else if (error) {
      assertThat(answer.status()).as(answer.body()).isBetween(400, 599);
    } else {
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }
    if (error) {
      findings.addAll(errorBody(answer.body()));
    } else if (answer.streamed()) {
      Class<?> type =
          answer.shape().startsWith("completion") ? Completion.class : ChatCompletionChunk.class;
      List<String> events = answer.events();
      assertThat(events).as("events of " + answer).isNotEmpty();
      for (int i = 0; i < events.size(); i++) {
        int index = i;
        OPENAI.judge(events.get(i), type).forEach(f -> findings.add("event " + index + ": " + f));
      }
    } else {
      findings.addAll(
          OPENAI.judge(
              answer.body(), typeOf(answer.shape().replace("error: no messages", "chat"))));
    }
    Deliberate.assertNoneBut(answer.family(), answer.toString(), findings, answer.body());
  }

  static Class<?> typeOf(String shape) {
    if (shape.startsWith("chat")) {
      return ChatCompletion.class;
    }
    return switch (shape) {
      case "completion" -> Completion.class;
      case "embeddings" -> CreateEmbeddingResponse.class;
      case "models" -> ModelListPageResponse.class;
      default -> throw new IllegalArgumentException(shape);
    };
  }

  /** OpenAI's error body: {@code {"error": ErrorObject}} and nothing else beside it. */
  static List<String> errorBody(String body) {
    List<String> findings = new ArrayList<>();
    JsonNode tree = WireJson.tree(body);
    tree.fieldNames()
        .forEachRemaining(name -> {
          if (!name.equals("error")) {
            findings.add("error body." + name + ": unknown to the SDK");
          }
        });
    findings.addAll(OPENAI.judge(tree.path("error").toString(), ErrorObject.class));
    return findings;
  }
}
