package dev.switchboard.engine.outbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpField;

/**
 * A provider's answer: status and headers at once, the body as it arrives. Closing it before the
 * body was read to the end aborts the call, which closes the upstream connection.
 */
public final class UpstreamResponse implements AutoCloseable {
  /** The most of an error body read: enough for any provider's error, not a flood. */
  public static final int MAX_ERROR_BYTES = 1024 * 1024;

  private final Request request;
  private final Response response;
  private final InputStream body;
  private final UpstreamClient.FailureTranslator failures;
  private final int status;
  private final List<Map.Entry<String, String>> headers;

  UpstreamResponse(
      Request request,
      Response response,
      InputStream body,
      UpstreamClient.FailureTranslator failures) {
    this.request = request;
    this.response = response;
    this.body = body;
    this.failures = failures;
    this.status = response.getStatus();
    this.headers = List.copyOf(lowerCaseHeaders(response));
  }

  private UpstreamResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
    this(status, headers, body, null);
  }

  private UpstreamResponse(
      int status,
      List<Map.Entry<String, String>> headers,
      byte[] body,
      UpstreamClient.FailureTranslator failures) {
    this.request = null;
    this.response = null;
    this.body = new WholeBody(body);
    this.failures = failures;
    this.status = status;
    this.headers = List.copyOf(headers);
  }

  /**
   * A response read whole by the client ({@link UpstreamClient#send(UpstreamRequest, int)}): its
   * exchange is complete, its connection released.
   */
  static UpstreamResponse whole(
      Response response, byte[] body, UpstreamClient.FailureTranslator failures) {
    return new UpstreamResponse(response.getStatus(), lowerCaseHeaders(response), body, failures);
  }

  private static List<Map.Entry<String, String>> lowerCaseHeaders(Response response) {
    List<Map.Entry<String, String>> all = new ArrayList<>(response.getHeaders().size());
    for (HttpField field : response.getHeaders()) {
      all.add(Map.entry(field.getName().toLowerCase(Locale.ROOT), field.getValue()));
    }
    return all;
  }

  /** A body already in memory, which {@link #readBody} hands over as it is. */
  private static final class WholeBody extends java.io.ByteArrayInputStream {
    WholeBody(byte[] bytes) {
      super(bytes);
    }

    /** The whole body, if nothing of it was read yet; else {@code null}. */
    synchronized byte[] untouched() {
      return pos == 0 && count == buf.length ? buf : null;
    }
  }

  private UpstreamResponse(UpstreamResponse original, InputStream body) {
    this.request = original.request;
    this.response = original.response;
    this.body = body;
    this.failures = original.failures;
    this.status = original.status;
    this.headers = original.headers;
  }

  /**
   * A response already read whole (the guardrails read a passed-through answer before it goes out):
   * the same headers, with this status and body. Its connection is already released.
   */
  public static UpstreamResponse buffered(UpstreamResponse original, int status, byte[] body) {
    return new UpstreamResponse(status, original.headers(), body);
  }

  /**
   * This response with its body read through {@code tap}: the same call, status and headers; each
   * block of the body is shown to the tap as the reader takes it, nothing is held back or buffered.
   * Use the returned response instead of this one.
   */
  public UpstreamResponse tapped(BodyTap tap) {
    return new UpstreamResponse(this, new TappedBody(body, tap));
  }

  /** Watches a body go by, for what it says (usage) or for its end, without changing it. */
  @FunctionalInterface
  public interface BodyTap {
    /** A block of the body as the reader took it; must not keep or change {@code bytes}. */
    default void read(byte[] bytes, int offset, int length) {}

    /** Called once, when the body ended as {@code end} says. */
    void ended(End end);
  }

  /** How a body's reading ended. */
  public enum End {
    /** Read to its end. */
    WHOLE,
    /**
     * Closed by its reader before its end, no read having failed: the client left (the reader stops
     * when its client's connection closes).
     */
    CLOSED,
    /** A read failed before its end: the provider broke off or timed out. */
    BROKEN
  }

  public int status() {
    return status;
  }

  public boolean isSuccess() {
    return status() >= 200 && status() < 300;
  }

  /**
   * This response, if it succeeded; else the provider's error: its body (at most 1 MiB) read into
   * an error object in OpenAI's shape by {@code errorObject}, thrown with the status and headers.
   */
  public UpstreamResponse succeededOr(String provider, Function<byte[], JsonNode> errorObject) {
    if (isSuccess()) {
      return this;
    }
    byte[] error;
    try (this) {
      error = readBody(MAX_ERROR_BYTES);
    }
    throw new ProviderErrorException(status, provider, errorObject.apply(error), headers);
  }

  /**
   * This response, if it succeeded; else the provider's error, read by {@code errorObject}, that
   * the client gets as it came ({@link ProviderErrorException#relayedAsSent}) when it is a JSON
   * object with an {@code error}; any other body (a proxy's HTML page) as {@link #succeededOr}
   * makes it.
   */
  public UpstreamResponse succeededOrRelayedError(
      String provider, Function<byte[], JsonNode> errorObject) {
    if (isSuccess()) {
      return this;
    }
    byte[] error;
    try (this) {
      error = readBody(MAX_ERROR_BYTES);
    }
    JsonNode object = errorObject.apply(error);
    if (!isErrorDocument(error)) {
      throw new ProviderErrorException(status, provider, object, headers);
    }
    throw ProviderErrorException.relayedAsSent(status, provider, object, headers, error);
  }

  private static boolean isErrorDocument(byte[] body) {
    try {
      return WireJson.tree(body).path("error").isObject();
    } catch (WireFormatException notJson) {
      return false;
    }
  }

  /**
   * This response, if it succeeded; else the provider's error carrying this answer whole (its body
   * read, at most 1 MiB), for a passed-through request: judged as any provider error, and relayed
   * unchanged by {@link #relayed} when it is the request's answer.
   */
  public UpstreamResponse succeededOrPassedThroughError(String provider) {
    if (isSuccess()) {
      return this;
    }
    byte[] answer;
    try (this) {
      answer = readBody(MAX_ERROR_BYTES);
    }
    throw ProviderErrorException.passedThrough(status, provider, headers, answer);
  }

  /** The answer a {@link ProviderErrorException#passedThrough passed-through error} kept. */
  public static UpstreamResponse relayed(ProviderErrorException failure) {
    byte[] answer = failure.passedThroughBody();
    if (answer == null) {
      throw new IllegalArgumentException("not a passed-through answer", failure);
    }
    return new UpstreamResponse(failure.status(), failure.headers(), answer);
  }

  /** Whether the body is a server-sent event stream, as its content type says. */
  public boolean isEventStream() {
    String type = header("content-type");
    return type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /** The first value of a header, or {@code null}. */
  public String header(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().equals(lower)) {
        return header.getValue();
      }
    }
    return null;
  }

  /** All headers as name and value pairs, names in lower case. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  /**
   * The body as it arrives. A read that fails because the provider broke off or timed out throws an
   * {@link IOException}; {@link #translate} turns it into the gateway's error.
   */
  public InputStream body() {
    return body;
  }

  /** Reads the whole body, at most {@code limit} bytes; a longer body fails the call. */
  public byte[] readBody(int limit) {
    if (body instanceof WholeBody whole) {
      byte[] bytes = whole.untouched();
      if (bytes != null && bytes.length <= limit) {
        return bytes;
      }
    }
    try (InputStream in = body) {
      long declared = declaredLength();
      byte[] read;
      if (declared >= 0 && declared <= limit) {
        // The provider said how long: one array of that size (HTTP/1.1 ends the body there). The
        // end is read too: it comes once the exchange completed, so the connection is released
        // before close() aborts, as when the body is read in blocks to its end.
        read = in.readNBytes((int) declared);
        if (in.read() >= 0) {
          abort();
          throw new IOException("response body is longer than its content-length");
        }
      } else {
        // One byte past the limit tells a body that is too long.
        read = in.readNBytes(limit == Integer.MAX_VALUE ? limit : limit + 1);
      }
      if (read.length > limit) {
        abort();
        throw new IOException("response body is larger than " + limit + " bytes");
      }
      return read;
    } catch (IOException e) {
      throw translate(e);
    }
  }

  /**
   * The body's length as the provider declared it ({@code content-length}), or -1: unknown
   * (chunked), unreadable, or a body that is not the one the provider sent (a tapped body is read
   * as sent; a buffered one has its own length).
   */
  private long declaredLength() {
    if (response == null || body instanceof TappedBody) {
      return -1;
    }
    return response.getHeaders().getLongField(org.eclipse.jetty.http.HttpHeader.CONTENT_LENGTH);
  }

  /** The gateway error for a failure while reading this response's body. */
  public RuntimeException translate(IOException failure) {
    if (failures == null) {
      return new java.io.UncheckedIOException(failure);
    }
    RuntimeException translated = failures.translate(failure, true);
    if (translated instanceof dev.switchboard.engine.errors.ClientClosedException) {
      abort(); // nobody will read the rest: the provider stops generating
    }
    return translated;
  }

  /** Stops the call: the upstream connection is closed. */
  public void abort() {
    if (request == null) {
      return;
    }
    request.abort(new StoppedReading());
  }

  /**
   * The reason a call is aborted. {@link #close} aborts every call, read whole or not (a no-op once
   * the response completed), so this is made once per call: without a stack trace, which would cost
   * more than the rest of the close, and which nobody reads (nothing throws it).
   */
  private static final class StoppedReading extends IOException {
    StoppedReading() {
      super("the gateway stopped reading the response");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException ignored) {
      // closing only releases the connection; nothing to report
    }
    abort(); // a no-op once the response completed
  }

  /** A body that shows what is read to a {@link BodyTap} and tells it when the body ended. */
  private static final class TappedBody extends java.io.FilterInputStream {
    private final BodyTap tap;
    private boolean ended;
    // Set before the body is closed, which may fail or end a read under way on another thread.
    private volatile boolean closing;

    TappedBody(InputStream body, BodyTap tap) {
      super(body);
      this.tap = tap;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      int n;
      try {
        n = in.read(bytes, offset, length);
      } catch (IOException failed) {
        // A read that fails because the reader closed the body meanwhile is the reader's doing.
        end(closing ? End.CLOSED : End.BROKEN);
        throw failed;
      }
      if (n > 0) {
        tap.read(bytes, offset, n);
      } else if (n < 0) {
        end(closing ? End.CLOSED : End.WHOLE);
      }
      return n;
    }

    @Override
    public long skip(long count) throws IOException {
      // Skipped bytes are not seen: read them instead, so that the tap sees the whole body.
      byte[] scratch = new byte[(int) Math.min(count, 8192)];
      int n = read(scratch, 0, scratch.length);
      return Math.max(n, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    @Override
    public void close() throws IOException {
      closing = true;
      try {
        super.close();
      } finally {
        end(End.CLOSED);
      }
    }

    /**
     * Tells the tap once. Synchronized, so that a reader and a departing client closing the body
     * together both return only once the tap was told: a tap around this body is told after it.
     */
    private synchronized void end(End end) {
      if (!ended) {
        ended = true;
        tap.ended(end);
      }
    }
  }
}
