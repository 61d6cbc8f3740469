package dev.switchboard.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake provider that answers every request with one {@link ReplayFixture}'s recorded answer: its
 * status, its headers (less those of the connection and the framing, which this server sets), and
 * its body's bytes exactly as the fixture holds them. Server-sent events are written one event at a
 * time, flushed, as a provider streams them; AWS event-stream frames go as one body. It records
 * what it receives, so a test can compare the request with the fixture's. It checks nothing: the
 * fixture's request says what the provider was sent.
 */
public final class FakeReplay implements AutoCloseable {
  /** Headers of the recorded connection, not of the answer. */
  private static final Set<String> CONNECTION_HEADERS =
      Set.of("content-length", "transfer-encoding", "connection", "keep-alive", "date", "server");

  private final ReplayFixture fixture;
  private final FakeServer<Void> server;

  private FakeReplay(ReplayFixture fixture) {
    this.fixture = fixture;
    this.server = new FakeServer<>("Replay", 0, true, this::answer);
  }

  /**
   * Starts a fake on 127.0.0.1 and an ephemeral port that answers with {@code fixture}'s answer.
   */
  public static FakeReplay serving(ReplayFixture fixture) {
    FakeReplay fake = new FakeReplay(fixture);
    fake.server.start();
    return fake;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return server.origin();
  }

  /** Every request received so far, oldest first. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  @Override
  public void close() {
    server.close();
  }

  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    ReplayFixture.ProviderResponse answer = fixture.response();
    response.setStatus(answer.status());
    answer
        .headers()
        .forEach((name, value) -> {
          if (!CONNECTION_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            response.getHeaders().add(name, value);
          }
        });
    byte[] bytes = answer.body();
    String type = String.valueOf(answer.header("content-type"));
    if (!type.contains("text/event-stream")) {
      response.getHeaders().put("content-length", bytes.length);
      response.write(true, ByteBuffer.wrap(bytes), callback);
      return;
    }
    server.streams().opened();
    try {
      int start = 0;
      for (int end = eventEnd(bytes, 0); end > 0; end = eventEnd(bytes, start)) {
        Content.Sink.write(response, false, ByteBuffer.wrap(bytes, start, end - start));
        start = end;
      }
      Content.Sink.write(response, true, ByteBuffer.wrap(bytes, start, bytes.length - start));
      callback.succeeded();
    } catch (IOException clientGone) {
      callback.failed(clientGone);
    } finally {
      server.streams().closed();
    }
  }

  /** The index just past the next blank line at or after {@code from}, or -1. */
  private static int eventEnd(byte[] bytes, int from) {
    for (int i = from; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
        return i + 2;
      }
      if (i + 3 < bytes.length
          && bytes[i] == '\r'
          && bytes[i + 1] == '\n'
          && bytes[i + 2] == '\r'
          && bytes[i + 3] == '\n') {
        return i + 4;
      }
    }
    return -1;
  }
}
