package dev.switchboard.engine.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The event-stream format as the HTML standard defines it, whatever the framing and chunking. */
class SseReaderTest {
  private static final String[] TOKENS = {
    "a", "b", " ", "{", "}", "\"", ":", ",", "é", "日", "🙂", "[DONE]", "data:", "event: x"
  };
  private static final String[] LINE_ENDINGS = {"\n", "\r\n", "\r"};

  /**
   * A property over 2,000 random streams per seed: any events, written with any line ending and
   * delivered in any chunk sizes, read back as they were written.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 20261122})
  void readsBackEveryEventWhateverTheLineEndingsAndChunking(long seed) throws IOException {
    Random random = new Random(seed);
    for (int trial = 0; trial < 2_000; trial++) {
      List<SseEvent> events = randomEvents(random);
      String lineEnding = LINE_ENDINGS[random.nextInt(LINE_ENDINGS.length)];
      int chunkSize = 1 + random.nextInt(64);
      byte[] wire = write(events, lineEnding).getBytes(StandardCharsets.UTF_8);

      SseReader reader = new SseReader(new TrickleStream(wire, chunkSize));
      List<SseEvent> read = new ArrayList<>();
      for (SseEvent event = reader.next(); event != null; event = reader.next()) {
        read.add(event);
      }

      assertThat(read)
          .as(
              "seed %d trial %d, line ending %s, chunks of %d",
              seed, trial, lineEnding.replace("\r", "CR").replace("\n", "LF"), chunkSize)
          .isEqualTo(events);
    }
  }

  @Test
  void dropsAnEventCutOffBeforeItsBlankLine() throws IOException {
    SseReader reader =
        new SseReader(
            new ByteArrayInputStream("data: one\n\ndata: two\n".getBytes(StandardCharsets.UTF_8)));

    assertThat(reader.next()).isEqualTo(SseEvent.data("one"));
    assertThat(reader.next()).isNull();
  }

  @Test
  void keepsASpaceAfterTheFirstAndAnEmptyData() throws IOException {
    SseReader reader =
        new SseReader(
            new ByteArrayInputStream(
                "data:  two spaces\n\ndata\n\n".getBytes(StandardCharsets.UTF_8)));

    assertThat(reader.next().data()).isEqualTo(" two spaces");
    assertThat(reader.next().data()).isEmpty();
  }

  private static List<SseEvent> randomEvents(Random random) {
    List<SseEvent> events = new ArrayList<>();
    int count = random.nextInt(6);
    for (int i = 0; i < count; i++) {
      List<String> lines = new ArrayList<>();
      int lineCount = 1 + random.nextInt(3);
      for (int l = 0; l < lineCount; l++) {
        StringBuilder line = new StringBuilder();
        int tokens = random.nextInt(8);
        for (int t = 0; t < tokens; t++) {
          line.append(TOKENS[random.nextInt(TOKENS.length)]);
        }
        lines.add(line.toString());
      }
      String name = random.nextBoolean() ? null : "content_block_delta";
      String id = random.nextInt(3) == 0 ? "id" + random.nextInt(100) : null;
      events.add(new SseEvent(name, String.join("\n", lines), id));
    }
    return events;
  }

  private static String write(List<SseEvent> events, String lineEnding) {
    StringBuilder wire = new StringBuilder();
    for (SseEvent event : events) {
      if (event.event() != null) {
        wire.append("event: ").append(event.event()).append(lineEnding);
      }
      wire.append(": a comment the reader skips").append(lineEnding);
      for (String line : event.data().split("\n", -1)) {
        wire.append("data: ").append(line).append(lineEnding);
      }
      if (event.id() != null) {
        wire.append("id:").append(event.id()).append(lineEnding);
      }
      wire.append(lineEnding);
    }
    return wire.toString();
  }

  /** Hands out at most {@code chunk} bytes per read, as a network does. */
  private static final class TrickleStream extends InputStream {
    private final ByteArrayInputStream bytes;
    private final int chunk;

    TrickleStream(byte[] bytes, int chunk) {
      this.bytes = new ByteArrayInputStream(bytes);
      this.chunk = chunk;
    }

    @Override
    public int read() {
      return bytes.read();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
      return bytes.read(buffer, offset, Math.min(length, chunk));
    }
  }
}
