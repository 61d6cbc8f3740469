package dev.switchboard.engine.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.pipeline.PassThroughUsage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The usage of a passed-through answer, read from its bytes however the network splits them: every
 * split of each fixture into two blocks, and one byte at a time, gives the same counts.
 */
class UsageTapTest {

  @Test
  void readsTheResponsesApiUsageAtTheEndOfAJsonAnswerWhateverTheSplit() throws IOException {
    byte[] body = fixture("openai/responses.json");
    for (List<byte[]> blocks : splits(body)) {
      assertThat(read(UsageTap.Framing.JSON, blocks, true))
          .isEqualTo(new PassThroughUsage("gpt-4.1-2025-04-14", 328, 52, 0));
    }
  }

  @Test
  void readsTheResponsesApiUsageFromResponseCompletedWhateverTheSplit() throws IOException {
    byte[] body = fixture("openai/responses-stream.sse");
    for (List<byte[]> blocks : splits(body)) {
      assertThat(read(UsageTap.Framing.EVENTS, blocks, true))
          .isEqualTo(new PassThroughUsage("gpt-4.1-2025-04-14", 37, 11, 5));
    }
  }

  @Test
  void readsTheLastChatChunksUsageAndSkipsDone() throws IOException {
    byte[] body = fixture("openai/chat-stream-usage.sse");
    for (List<byte[]> blocks : splits(body)) {
      assertThat(read(UsageTap.Framing.EVENTS, blocks, true))
          .isEqualTo(new PassThroughUsage("gpt-4o-mini-2024-07-18", 19, 10, 0));
    }
  }

  @Test
  void addsAnthropicsMessageDeltaOutputToItsMessageStartInputWithCarriageReturns()
      throws IOException {
    byte[] body =
        new String(fixture("anthropic/stream-parallel-tool-use.sse"), StandardCharsets.UTF_8)
            .replace("\n", "\r\n")
            .getBytes(StandardCharsets.UTF_8);
    for (List<byte[]> blocks : splits(body)) {
      assertThat(read(UsageTap.Framing.EVENTS, blocks, true))
          .isEqualTo(new PassThroughUsage("claude-sonnet-4-5", 472, 89, 100));
    }
  }

  @Test
  void tellsNothingOfABodyThatWasNotReadToItsEnd() throws IOException {
    byte[] body = fixture("openai/chat-stream-usage.sse");
    assertThat(read(UsageTap.Framing.EVENTS, List.of(body), false)).isNull();
  }

  @Test
  void tellsNothingOfAJsonAnswerWithAValueLongerThanTheCap() {
    String longText = "a".repeat(UsageTap.MAX_VALUE_BYTES + 1);
    byte[] body =
        ("{\"model\":\"m\",\"text\":\""
                + longText
                + "\",\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(read(UsageTap.Framing.JSON, List.of(body), true)).isNull();
    List<byte[]> asRelayed = new ArrayList<>();
    for (int at = 0; at < body.length; at += 8192) {
      asRelayed.add(java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + 8192)));
    }
    assertThat(read(UsageTap.Framing.JSON, asRelayed, true)).isNull();
  }

  @Test
  void pricesAResponsesApiUsageWithItsCachedInputAtTheCachedPrice() {
    PriceTable prices =
        PriceTable.parse(
            new java.io.ByteArrayInputStream(
                """
                {"providers": {"openai": {"models": {"m": {"input": 1, "cached_input": 0.5, "output": 2}}}}}
                """
                    .getBytes(StandardCharsets.UTF_8)));
    ObjectNode usage =
        (ObjectNode)
            dev.switchboard.wire.WireJson.tree(
                """
                {"input_tokens": 1000000, "input_tokens_details": {"cached_tokens": 200000},
                 "output_tokens": 1000000}
                """);
    assertThat(prices.costOfAnswer("openai", "m", null, usage))
        .isEqualByComparingTo("2.9"); // 0.8 + 0.1 + 2
  }

  private static PassThroughUsage read(
      UsageTap.Framing framing, List<byte[]> blocks, boolean whole) {
    PassThroughUsage[] found = new PassThroughUsage[1];
    UsageTap tap =
        new UsageTap(framing, (model, usage) -> found[0] = UsageTap.tokens(model, usage));
    for (byte[] block : blocks) {
      // The tap must not rely on the block staying as it was: the relay reuses its buffer.
      byte[] reused = block.clone();
      tap.read(reused, 0, reused.length);
      java.util.Arrays.fill(reused, (byte) 'x');
    }
    tap.ended(
        whole
            ? dev.switchboard.engine.outbound.UpstreamResponse.End.WHOLE
            : dev.switchboard.engine.outbound.UpstreamResponse.End.CLOSED);
    return found[0];
  }

  /** The body in two blocks split at every position (every 7th for long ones), and byte by byte. */
  private static List<List<byte[]>> splits(byte[] body) {
    List<List<byte[]>> splits = new ArrayList<>();
    int step = body.length > 2000 ? 7 : 1;
    for (int at = 0; at <= body.length; at += step) {
      splits.add(
          List.of(
              java.util.Arrays.copyOfRange(body, 0, at),
              java.util.Arrays.copyOfRange(body, at, body.length)));
    }
    List<byte[]> bytes = new ArrayList<>();
    for (byte b : body) {
      bytes.add(new byte[] {b});
    }
    splits.add(bytes);
    return splits;
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = UsageTapTest.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
