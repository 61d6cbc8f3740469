package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.ToolUseBlock;
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

  /**
   * Every streamed {@code /v1/messages} answer, fed event by event to the SDK's own {@code
   * MessageAccumulator} (which refuses events out of order), makes a message that passes its
   * strictest validation; one that used tools holds its {@code tool_use} block with its input.
   */
  @TestFactory
  Stream<DynamicTest> everyMessagesStreamAccumulatesInAnthropicsSdk() {
    List<Answer> streams =
        GatewayTraffic.shared().answers.stream()
            .filter(a -> a.shape().startsWith("messages") && a.shape().endsWith("stream"))
            .toList();
    assertThat(streams).hasSizeGreaterThanOrEqualTo(8);
    return streams.stream().map(a -> DynamicTest.dynamicTest(a.toString(), () -> accumulate(a)));
  }

  static void accumulate(Answer answer) throws Exception {
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    MessageAccumulator accumulator = MessageAccumulator.create();
    for (Sse.Event event : Sse.events(answer.body())) {
      accumulator.accumulate(
          ObjectMappers.jsonMapper().readValue(event.data(), RawMessageStreamEvent.class));
    }
    Message message = accumulator.message().validate();
    assertThat(message.content()).isNotEmpty();
    if (answer.shape().contains("tool use")) {
      assertThat(message.stopReason()).hasValue(StopReason.TOOL_USE);
      ToolUseBlock call =
          message.content().stream()
              .filter(ContentBlock::isToolUse)
              .map(ContentBlock::asToolUse)
              .findFirst()
              .orElseThrow();
      assertThat(call.name()).isEqualTo("get_weather");
      assertThat(call._input().toString()).contains("city");
    }
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
