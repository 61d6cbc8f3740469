package dev.switchboard.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.eclipse.jetty.io.content.ContentSinkOutputStream;

/**
 * Writes server-sent events, OpenAI's ({@code data: <json>\n\n}) and Anthropic's (with an {@code
 * event:} line), each sent at once.
 *
 * <p>Each event is assembled whole and handed to the stream in one write: on Jetty's response
 * stream every write is sent on its own (an HTTP chunk, a system call and a wake-up of the writing
 * thread), so writing an event's prefix, data and ending apart cost three of each per event. Not
 * thread-safe: one writer per stream.
 */
final class SseWriter {
  private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;

  /**
   * Whether a write must be flushed to be sent: not on Jetty's response stream, which sends each
   * write before it returns (its flush is an empty write, one more round through the server).
   */
  private final boolean flushes;

  /** The event being assembled, reused from one event to the next. */
  private byte[] frame = new byte[1024];

  private int length;

  SseWriter(OutputStream out) {
    this.out = out;
    this.flushes = !(out instanceof ContentSinkOutputStream);
  }

  /**
   * One event whose data is {@code json}: one {@code data:} line for JSON written compact, one per
   * line for a provider's own JSON that spans lines, so its bytes arrive as they were sent.
   */
  void data(byte[] json) throws IOException {
    length = 0;
    appendData(json);
    send();
  }

  /**
   * One named event, as Anthropic frames them: {@code event: <type>\ndata: <json>\n\n}
   * (https://docs.anthropic.com/en/docs/build-with-claude/streaming).
   */
  void event(String type, byte[] json) throws IOException {
    length = 0;
    append(EVENT, 0, EVENT.length);
    byte[] name = type.getBytes(StandardCharsets.UTF_8);
    append(name, 0, name.length);
    append((byte) '\n');
    appendData(json);
    send();
  }

  /**
   * A provider's comment line ({@code : keep-alive}), ended as providers end it, with a blank line.
   */
  void comment(String line) throws IOException {
    length = 0;
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    append(bytes, 0, bytes.length);
    append(END, 0, END.length);
    send();
  }

  /** The end of an OpenAI-format stream. */
  void done() throws IOException {
    out.write(DONE);
    flushIfNeeded();
  }

  private void appendData(byte[] json) {
    int start = 0;
    for (int i = 0; i < json.length; i++) {
      if (json[i] == '\n') {
        append(DATA, 0, DATA.length);
        append(json, start, i - start);
        append((byte) '\n');
        start = i + 1;
      }
    }
    append(DATA, 0, DATA.length);
    append(json, start, json.length - start);
    append(END, 0, END.length);
  }

  private void append(byte[] bytes, int offset, int count) {
    ensureRoom(count);
    System.arraycopy(bytes, offset, frame, length, count);
    length += count;
  }

  private void append(byte b) {
    ensureRoom(1);
    frame[length++] = b;
  }

  private void ensureRoom(int count) {
    if (length + count > frame.length) {
      frame = Arrays.copyOf(frame, Math.max(frame.length * 2, length + count));
    }
  }

  private void send() throws IOException {
    out.write(frame, 0, length);
    flushIfNeeded();
  }

  private void flushIfNeeded() throws IOException {
    if (flushes) {
      out.flush();
    }
  }
}
