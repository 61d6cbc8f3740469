package dev.switchboard.server.access;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection, sending the request line and headers
 * byte for byte as given: what the JDK's client refuses to send (a NUL or non-ASCII character in a
 * header, a path with {@code //}, {@code ..} or {@code %2f}) is what an attacker sends.
 */
final class RawHttp {
  private RawHttp() {}

  /** An answer: its status, headers (lower-cased names, last value wins) and body. */
  record Answer(int status, Map<String, String> headers, String body) {}

  static Answer send(int port, String method, String rawPath, List<String[]> headers, String body) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    write(request, method + " " + rawPath + " HTTP/1.1\r\n");
    write(request, "Host: 127.0.0.1:" + port + "\r\n");
    write(request, "Connection: close\r\n");
    for (String[] header : headers) {
      write(request, header[0] + ": " + header[1] + "\r\n");
    }
    if (body != null) {
      write(request, "Content-Type: application/json\r\n");
      write(request, "Content-Length: " + content.length + "\r\n");
    }
    write(request, "\r\n");
    request.writeBytes(content);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      return parse(readAnswer(socket.getInputStream()));
    } catch (IOException e) {
      // A connection the server closed without an answer: no access was granted.
      return new Answer(0, Map.of(), e.toString());
    }
  }

  /**
   * The answer's bytes: to its end by Content-Length, the last chunk, or the end of the connection;
   * only the head of an event stream (a live tail never ends).
   */
  private static byte[] readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int headEnd = -1;
    long deadline = System.nanoTime() + 20_000_000_000L;
    for (int n; System.nanoTime() < deadline && (n = in.read(buffer)) >= 0; ) {
      raw.write(buffer, 0, n);
      String text = raw.toString(StandardCharsets.ISO_8859_1);
      if (headEnd < 0) {
        headEnd = text.indexOf("\r\n\r\n");
      }
      if (headEnd >= 0) {
        String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
        int bodyLength = raw.size() - headEnd - 4;
        if (head.contains("content-type: text/event-stream")) {
          break;
        }
        int at = head.indexOf("content-length:");
        if (at >= 0) {
          int end = head.indexOf("\r\n", at);
          long length =
              Long.parseLong(head.substring(at + 15, end < 0 ? head.length() : end).trim());
          if (bodyLength >= length) {
            break;
          }
        } else if (head.contains("transfer-encoding: chunked") && text.endsWith("\r\n0\r\n\r\n")) {
          break;
        }
      }
    }
    return raw.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Answer parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return new Answer(0, Map.of(), text);
    }
    String[] head = text.substring(0, headEnd).split("\r\n");
    String[] statusLine = head[0].split(" ", 3);
    int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 0;
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < head.length; i++) {
      int colon = head[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            head[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
            head[i].substring(colon + 1).trim());
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, headEnd + 4, raw.length);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = dechunk(body);
    }
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    try {
      while (at < body.length) {
        int lineEnd = indexOfCrlf(body, at);
        if (lineEnd < 0) {
          break;
        }
        String sizeText = new String(body, at, lineEnd - at, StandardCharsets.ISO_8859_1);
        int semicolon = sizeText.indexOf(';');
        int size =
            Integer.parseInt(
                (semicolon < 0 ? sizeText : sizeText.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          break;
        }
        out.write(body, lineEnd + 2, Math.min(size, body.length - lineEnd - 2));
        at = lineEnd + 2 + size + 2;
      }
    } catch (NumberFormatException e) {
      return body;
    }
    return out.toByteArray();
  }

  private static int indexOfCrlf(byte[] bytes, int from) {
    for (int i = from; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
