package dev.switchboard.engine.sse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events from a byte stream as the HTML standard's event-stream format defines
 * them
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; {@code data} lines of one event are joined with LF; a blank line
 * ends the event; lines starting with a colon are comments, told to {@link SseComments}. Not
 * thread-safe.
 */
public final class SseReader {
  private final InputStream in;
  private final byte[] buffer = new byte[8192];
  private int position;
  private int limit;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private boolean pendingCarriageReturn;
  private boolean ended;

  /** Reads from {@code in}, which needs no buffering: this reader reads it in blocks. */
  public SseReader(InputStream in) {
    this.in = in;
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
        SseComments.heard(text);
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

  /**
   * The next line without its end, or {@code null} at the end of the stream. Scans a block at a
   * time; a read returns what has arrived, so an event is never held back waiting for more bytes.
   */
  private String readLine() throws IOException {
    if (ended) {
      return null;
    }
    line.reset();
    while (true) {
      if (position == limit) {
        int read = in.read(buffer);
        if (read < 0) {
          ended = true;
          return null;
        }
        position = 0;
        limit = read;
        continue;
      }
      if (pendingCarriageReturn) {
        pendingCarriageReturn = false;
        if (buffer[position] == '\n') {
          position++;
          continue;
        }
      }
      int start = position;
      while (position < limit && buffer[position] != '\n' && buffer[position] != '\r') {
        position++;
      }
      line.write(buffer, start, position - start);
      if (position < limit) {
        pendingCarriageReturn = buffer[position] == '\r';
        position++;
        return line.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
