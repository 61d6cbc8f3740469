package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.referee.GatewayTraffic.Answer;
import dev.switchboard.referee.GatewayTraffic.Replayed;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Anthropic's Java SDK judges every answer the gateway gives in Anthropic's format ({@code
 * /v1/messages} and its token count, whole and streamed, with tool use), from Anthropic and from
 * Bedrock natively, and from every other family over its chat completions (the gateway's bridge).
 */
class AnthropicAnswersRefereeTest {
  @TestFactory
  Stream<DynamicTest> everyMessagesAnswerPassesAnthropicsSdk() {
    List<Answer> answers =
        GatewayTraffic.shared().answers.stream()
            .filter(a -> a.shape().startsWith("messages") || a.shape().equals("count tokens"))
            .toList();
    assertThat(answers).hasSizeGreaterThanOrEqualTo(10);
    assertThat(answers.stream().map(Answer::family).distinct())
        .as("translated families too")
        .contains("openai", "mock", "google", "cohere", "azure-openai", "vertex-ai");
    return answers.stream().map(a -> DynamicTest.dynamicTest(a.toString(), () -> judge(a)));
  }

  static void judge(Answer answer) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    Replayed asReplayed =
        new Replayed(
            answer.shape(),
            answer.status(),
            answer.contentType(),
            answer.body().getBytes(StandardCharsets.UTF_8));
    List<String> findings =
        ProviderRequestsRefereeTest.anthropicAnswer(
            asReplayed, answer.shape().equals("count tokens"));
    Deliberate.assertNoneBut(answer.family(), answer.toString(), findings, answer.body());
  }
}
