package dev.switchboard.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes server-sent events, OpenAI's ({@code data: <json>\n\n}) and Anthropic's (with an {@code
 * event:} line), flushing each.
 */
final class SseWriter {
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;

  SseWriter(OutputStream out) {
    this.out = out;
  }

  /**
   * One event whose data is {@code json}: one {@code data:} line for JSON written compact, one per
   * line for a provider's own JSON that spans lines, so its bytes arrive as they were sent.
   */
  void data(byte[] json) throws IOException {
    int start = 0;
    for (int i = 0; i < json.length; i++) {
      if (json[i] == '\n') {
        out.write(DATA);
        out.write(json, start, i - start);
        out.write('\n');
        start = i + 1;
      }
    }
    out.write(DATA);
    out.write(json, start, json.length - start);
    out.write(END);
    out.flush();
  }

  /**
   * One named event, as Anthropic frames them: {@code event: <type>\ndata: <json>\n\n}
   * (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
   */
  void event(String type, byte[] json) throws IOException {
    out.write(EVENT);
    out.write(type.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
    data(json);
  }

  /**
   * A provider's comment line ({@code : keep-alive}), ended as providers end it, with a blank line.
   */
  void comment(String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.UTF_8));
    out.write(END);
    out.flush();
  }

  /** The end of an OpenAI-format stream. */
  void done() throws IOException {
    out.write(DONE);
    out.flush();
  }
}
