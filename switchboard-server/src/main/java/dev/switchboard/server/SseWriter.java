package dev.switchboard.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes OpenAI-style server-sent events ({@code data: <json>\n\n}), flushing each. */
final class SseWriter {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;

  SseWriter(OutputStream out) {
    this.out = out;
  }

  /** One event whose data is {@code json} (which holds no newline: JSON written compact). */
  void data(byte[] json) throws IOException {
    out.write(DATA);
    out.write(json);
    out.write(END);
    out.flush();
  }

  /** The end of an OpenAI-format stream. */
  void done() throws IOException {
    out.write(DONE);
    out.flush();
  }
}
