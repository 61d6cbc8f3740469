package dev.switchboard.server;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.PayloadTooLargeException;
import dev.switchboard.engine.errors.RequestReadTimeoutException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * How every handler reads a request's body: never more than a limit (413 past it, told by the
 * declared length before anything is read), and a JSON body only with a JSON content type (or none)
 * and something in it (400 otherwise). A body sent with {@code Content-Encoding: gzip} or {@code
 * deflate} is inflated here, under the same limit counted on the inflated bytes (no decompression
 * bomb), and is what every later reader sees and what is sent upstream (without the encoding): the
 * bytes checked are the bytes sent. Any other encoding is refused (400).
 */
final class RequestBodies {
  private RequestBodies() {}

  /** The whole body, inflated when it says it is compressed, at most {@code maxBytes}. */
  static byte[] read(Request request, long maxBytes) {
    String encoding = contentEncoding(request);
    if (request.getLength() > maxBytes) {
      throw new PayloadTooLargeException(maxBytes);
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      long declared = request.getLength();
      // A declared length (checked above) is the body's size: one array of that size, rather than
      // readNBytes's 16 KiB block and its copy per request. Its end is read too (Jetty ends the
      // body there), so the request's body is consumed whole, as before.
      body = declared >= 0 ? in.readNBytes((int) declared) : atMost(in, maxBytes);
      if (declared >= 0 && in.read() >= 0) {
        throw new IOException("the body is longer than its content-length");
      }
    } catch (IOException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof java.util.concurrent.TimeoutException) {
          throw new RequestReadTimeoutException(MinimumReadRate.BYTES_PER_SECOND);
        }
      }
      throw new InvalidRequestException("The request body could not be read.", null, e);
    }
    return decoded(body, encoding, maxBytes);
  }

  /**
   * The body as sent with {@code contentEncoding} ({@code null} or {@code identity}: as it is;
   * {@code gzip} or {@code deflate}: inflated), at most {@code maxBytes} once inflated.
   *
   * @throws PayloadTooLargeException 413 when the inflated body is larger
   * @throws InvalidRequestException 400 for another encoding, or a body that does not inflate
   */
  static byte[] decoded(byte[] body, String contentEncoding, long maxBytes) {
    String encoding =
        contentEncoding == null ? "identity" : contentEncoding.strip().toLowerCase(Locale.ROOT);
    if (encoding.equals("identity") || encoding.isEmpty()) {
      return body;
    }
    if (!encoding.equals("gzip") && !encoding.equals("x-gzip") && !encoding.equals("deflate")) {
      throw new InvalidRequestException(
          "Unsupported content-encoding: only gzip and deflate bodies are accepted.",
          "content-encoding",
          null);
    }
    try (InputStream in =
        encoding.equals("deflate")
            ? new InflaterInputStream(new ByteArrayInputStream(body))
            : new GZIPInputStream(new ByteArrayInputStream(body))) {
      return atMost(in, maxBytes);
    } catch (IOException e) {
      throw new InvalidRequestException(
          "The request body is not valid " + encoding + ".", "content-encoding", e);
    }
  }

  private static byte[] atMost(InputStream in, long maxBytes) throws IOException {
    byte[] body = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
    if (body.length > maxBytes) {
      throw new PayloadTooLargeException(maxBytes);
    }
    return body;
  }

  /** The one content-encoding a body declares, or {@code null}; two (stacked) are refused. */
  private static String contentEncoding(Request request) {
    List<String> encodings = request.getHeaders().getCSV(HttpHeader.CONTENT_ENCODING, false);
    if (encodings.size() > 1) {
      throw new InvalidRequestException(
          "Unsupported content-encoding: at most one (gzip or deflate).", "content-encoding", null);
    }
    return encodings.isEmpty() ? null : encodings.getFirst();
  }

  /** The body of a request that must be JSON, at most {@code maxBytes}, not yet parsed. */
  static byte[] json(Request request, long maxBytes) {
    String contentType = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (contentType != null
        && !contentType.toLowerCase(Locale.ROOT).strip().startsWith("application/json")) {
      throw new InvalidRequestException(
          "Invalid content type passed: " + contentType + " (application/json is required)",
          "content-type",
          null);
    }
    byte[] body = read(request, maxBytes);
    if (body.length == 0) {
      throw new InvalidRequestException("The request body is empty; a JSON object is required.");
    }
    return body;
  }
}
