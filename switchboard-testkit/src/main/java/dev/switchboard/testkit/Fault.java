package dev.switchboard.testkit;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A failure that a fake ({@link FakeOpenAi}, {@link FakeAnthropic}) injects into the next request
 * it receives, instead of (or while) serving it normally. Faults are queued with {@code
 * enqueue(Fault)} and used one per request, in order. Error bodies and events take the shape of the
 * fake's provider.
 */
public sealed interface Fault {

  /**
   * Answers with an error in OpenAI's shape for {@code status} (e.g. 429 {@code
   * rate_limit_exceeded}, 500 {@code server_error}, 503 {@code server_is_overloaded}), plus the
   * extra response headers given.
   *
   * @param status the HTTP status, 400 to 599
   * @param headers extra response headers, in order
   */
  record Status(int status, Map<String, String> headers) implements Fault {
    public Status {
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("an error status is 4xx or 5xx, not " + status);
      }
      headers = Map.copyOf(headers);
    }

    /**
     * A copy that also sends header {@code name}, e.g. {@code retry-after} or {@code
     * retry-after-ms}.
     */
    public Status withHeader(String name, String value) {
      Map<String, String> more = new LinkedHashMap<>(headers);
      more.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
      return new Status(status, more);
    }
  }

  /** Serves normally, but waits {@code delay} before the status line, the first byte. */
  record SlowFirstByte(Duration delay) implements Fault {
    public SlowFirstByte {
      requireNotNegative(delay);
    }
  }

  /**
   * Sends the first {@code chunks} data events of a stream, then closes the connection without the
   * rest, the last chunk or {@code [DONE]}: the client sees a truncated chunked body. A JSON answer
   * is cut half-way through its announced length instead.
   */
  record CutStreamAfter(int chunks) implements Fault {
    public CutStreamAfter {
      if (chunks < 0) {
        throw new IllegalArgumentException("chunks must not be negative: " + chunks);
      }
    }
  }

  /**
   * Streams the first {@code afterEvents} events, then an in-band error event for {@code status} in
   * the provider's shape (OpenAI: {@code data: {"error":{...}}}; Anthropic: {@code event: error},
   * e.g. 529 {@code overloaded_error}), and ends the stream there, as providers do when they fail
   * after the response began. A JSON answer gets the error status instead.
   */
  record StreamError(int afterEvents, int status) implements Fault {
    public StreamError {
      if (afterEvents < 0) {
        throw new IllegalArgumentException("afterEvents must not be negative: " + afterEvents);
      }
      if (status < 400 || status > 599) {
        throw new IllegalArgumentException("an error status is 4xx or 5xx, not " + status);
      }
    }
  }

  /** Reads the whole request, then resets the TCP connection (RST) without a byte of response. */
  record ResetConnection() implements Fault {}

  /**
   * Answers 200 {@code application/json} with a body that is not valid JSON; a stream's first data
   * event is not valid JSON instead.
   */
  record MalformedBody() implements Fault {}

  /** Streams normally, but waits {@code delay} between events, so a client can leave mid-stream. */
  record ChunkDelay(Duration delay) implements Fault {
    public ChunkDelay {
      requireNotNegative(delay);
    }
  }

  /**
   * Streams the first {@code afterEvents} events, then falls silent for {@code delay} (a reasoning
   * model thinking, a provider under load) before it sends the rest as usual. A JSON answer is sent
   * as usual.
   */
  record StreamStall(int afterEvents, Duration delay) implements Fault {
    public StreamStall {
      if (afterEvents < 1) {
        throw new IllegalArgumentException(
            "a stall comes after at least one event: " + afterEvents);
      }
      requireNotNegative(delay);
    }
  }

  /**
   * Answers {@code status} with exactly these bytes as the body, sent at once, whatever the request
   * was: what a provider's own serialiser writes (its key order, number formats such as {@code 1.0}
   * or {@code 1e-5}, {@code \\u} escapes, {@code null}s), an event stream with {@code : keep-alive}
   * comments, or what a proxy in front of it sends (an HTML 502 page).
   *
   * @param contentType the {@code content-type} header
   */
  record Verbatim(int status, String contentType, byte[] body) implements Fault {
    public Verbatim {
      if (status < 200 || status > 599) {
        throw new IllegalArgumentException("a status is 2xx to 5xx, not " + status);
      }
      Objects.requireNonNull(contentType);
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }
  }

  /** See {@link Verbatim}; the body in UTF-8. */
  static Verbatim verbatim(int status, String contentType, String body) {
    return new Verbatim(
        status, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** An error answer in OpenAI's shape for {@code status}; see {@link Status}. */
  static Status status(int status) {
    return new Status(status, Map.of());
  }

  /** See {@link SlowFirstByte}. */
  static SlowFirstByte slowFirstByte(Duration delay) {
    return new SlowFirstByte(delay);
  }

  /** See {@link CutStreamAfter}. */
  static CutStreamAfter cutStreamAfter(int chunks) {
    return new CutStreamAfter(chunks);
  }

  /** See {@link StreamError}. */
  static StreamError streamError(int afterEvents, int status) {
    return new StreamError(afterEvents, status);
  }

  /** See {@link ResetConnection}. */
  static ResetConnection resetConnection() {
    return new ResetConnection();
  }

  /** See {@link MalformedBody}. */
  static MalformedBody malformedBody() {
    return new MalformedBody();
  }

  /** See {@link ChunkDelay}. */
  static ChunkDelay chunkDelay(Duration delay) {
    return new ChunkDelay(delay);
  }

  /** See {@link StreamStall}. */
  static StreamStall streamStall(int afterEvents, Duration delay) {
    return new StreamStall(afterEvents, delay);
  }

  private static void requireNotNegative(Duration delay) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("a delay must not be negative: " + delay);
    }
  }
}
