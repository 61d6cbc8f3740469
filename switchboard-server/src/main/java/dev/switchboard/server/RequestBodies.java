package dev.switchboard.server;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.PayloadTooLargeException;
import dev.switchboard.engine.errors.RequestReadTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * How every handler reads a request's body: never more than a limit (413 past it, told by the
 * declared length before anything is read), and a JSON body only with a JSON content type (or none)
 * and something in it (400 otherwise).
 */
final class RequestBodies {
  private RequestBodies() {}

  /** The whole body, at most {@code maxBytes}. */
  static byte[] read(Request request, long maxBytes) {
    if (request.getLength() > maxBytes) {
      throw new PayloadTooLargeException(maxBytes);
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] body = in.readNBytes((int) Math.min(maxBytes + 1, Integer.MAX_VALUE - 8));
      if (body.length > maxBytes) {
        throw new PayloadTooLargeException(maxBytes);
      }
      return body;
    } catch (IOException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof java.util.concurrent.TimeoutException) {
          throw new RequestReadTimeoutException(MinimumReadRate.BYTES_PER_SECOND);
        }
      }
      throw new InvalidRequestException("The request body could not be read.", null, e);
    }
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
