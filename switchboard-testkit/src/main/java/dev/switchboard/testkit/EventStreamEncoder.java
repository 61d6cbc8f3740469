package dev.switchboard.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Writes AWS event-stream frames ({@code application/vnd.amazon.eventstream}), by hand from the
 * published layout, so that a client's own decoder proves it reads what AWS sends
 * (https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html):
 *
 * <pre>
 * total length (4 bytes, big-endian) | headers length (4) | prelude CRC32 (4)
 * headers: name length (1) | name | value type (1; 7 = string) | value length (2) | value
 * payload
 * message CRC32 (4) over everything before it
 * </pre>
 */
final class EventStreamEncoder {
  private static final int PRELUDE = 8;
  private static final int CRC = 4;
  private static final byte STRING = 7;

  private EventStreamEncoder() {}

  /** One frame with string headers, in the order given. */
  static byte[] frame(Map<String, String> headers, byte[] payload) {
    ByteArrayOutputStream encodedHeaders = new ByteArrayOutputStream();
    for (Map.Entry<String, String> header : headers.entrySet()) {
      byte[] name = header.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] value = header.getValue().getBytes(StandardCharsets.UTF_8);
      encodedHeaders.write(name.length);
      encodedHeaders.write(name, 0, name.length);
      encodedHeaders.write(STRING);
      encodedHeaders.write((value.length >>> 8) & 0xff);
      encodedHeaders.write(value.length & 0xff);
      encodedHeaders.write(value, 0, value.length);
    }
    byte[] headerBytes = encodedHeaders.toByteArray();
    int total = PRELUDE + CRC + headerBytes.length + payload.length + CRC;
    ByteBuffer frame = ByteBuffer.allocate(total);
    frame.putInt(total);
    frame.putInt(headerBytes.length);
    frame.putInt((int) crc(frame.array(), 0, PRELUDE));
    frame.put(headerBytes);
    frame.put(payload);
    frame.putInt((int) crc(frame.array(), 0, total - CRC));
    return frame.array();
  }

  /**
   * An event frame: {@code :event-type}, {@code :content-type: application/json}, {@code
   * :message-type: event}.
   */
  static byte[] event(String eventType, byte[] json) {
    return frame(
        orderedHeaders(
            ":event-type", eventType,
            ":content-type", "application/json",
            ":message-type", "event"),
        json);
  }

  /** An exception frame: {@code :exception-type}, {@code :message-type: exception}. */
  static byte[] exception(String exceptionType, byte[] json) {
    return frame(
        orderedHeaders(
            ":exception-type", exceptionType,
            ":content-type", "application/json",
            ":message-type", "exception"),
        json);
  }

  static long crc(byte[] bytes, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, offset, length);
    return crc.getValue();
  }

  private static Map<String, String> orderedHeaders(String... namesAndValues) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }
}
