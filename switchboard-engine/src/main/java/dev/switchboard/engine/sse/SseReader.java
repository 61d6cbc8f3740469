package dev.switchboard.engine.sse;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from a byte stream as the HTML standard's event-stream format defines
 * them
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; {@code data} lines of one event are joined with LF; a blank line
 * ends the event; lines starting with a colon are comments. Not thread-safe.
 */
public final class SseReader {
  private final InputStream in;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private boolean pendingCarriageReturn;
  private boolean ended;

  public SseReader(InputStream in) {
    this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 8192);
  }

  /**
   * The next event, blocking until it is complete; {@code null} when the stream ended. A stream
   * that ends in the middle of an event drops that event, as the standard says.
   */
  public SseEvent next() throws IOException {
    String event = null;
    String id = null;
    StringBuilder data = null;
    while (true) {
      String text = readLine();
      if (text == null) {
        return null;
      }
      if (text.isEmpty()) {
        if (data != null) {
          return new SseEvent(event, data.toString(), id);
        }
        event = null;
        continue;
      }
      if (text.charAt(0) == ':') {
        continue;
      }
      int colon = text.indexOf(':');
      String field = colon < 0 ? text : text.substring(0, colon);
      String value = colon < 0 ? "" : text.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "data" -> {
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
        }
        case "event" -> event = value;
        case "id" -> id = value;
        default -> {
          // "retry" and unknown fields are ignored, as the standard says.
        }
      }
    }
  }

  private String readLine() throws IOException {
    if (ended) {
      return null;
    }
    line.reset();
    while (true) {
      int b = in.read();
      if (b < 0) {
        ended = true;
        return null;
      }
      if (pendingCarriageReturn) {
        pendingCarriageReturn = false;
        if (b == '\n') {
          continue;
        }
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (b == '\r') {
        pendingCarriageReturn = true;
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }
}
