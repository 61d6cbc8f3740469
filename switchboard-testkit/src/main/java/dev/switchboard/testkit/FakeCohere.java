package dev.switchboard.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Cohere's v2 API (https://docs.cohere.com/reference/about), for tests of code that calls
 * Cohere: it binds 127.0.0.1, records every request, and serves {@code POST /v2/chat} (JSON, or a
 * stream of {@code event:}/{@code data:} server-sent events in Cohere's order: {@code
 * message-start}, {@code content-start}, {@code content-delta}, {@code content-end}, {@code
 * tool-plan-delta}, {@code tool-call-start}, {@code tool-call-delta}, {@code tool-call-end}, {@code
 * message-end}), {@code POST /v2/embed} (float embeddings) and {@code GET /v1/models}.
 *
 * <p>Every request needs {@code Authorization: Bearer <key>} (else 401). Requests are validated as
 * v2 does: unknown fields, roles, tool calls and the results that answer them by {@code
 * tool_call_id}, {@code tool_choice} ({@code REQUIRED}, {@code NONE}), {@code response_format},
 * embed's {@code input_type}; a refusal is 400 {@code {"message": "invalid request: …"}}. The
 * answer is the next {@link CohereReply} queued, else {@code Hello from the fake Cohere. You said:
 * <last user text>} (after tool results: {@code Tool results: <results>}). A token is a word.
 */
public final class FakeCohere implements AutoCloseable {
  private final CohereApi api;
  private final FakeServer<Fault> server;

  private FakeCohere(Builder builder) {
    this.api = new CohereApi();
    this.server = new FakeServer<>("Cohere", builder.port, builder.recordRequests, this::answer);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port, recording requests. */
  public static FakeCohere start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link FakeCohere}; defaults: an ephemeral port, recording. */
  public static final class Builder {
    private int port;
    private boolean recordRequests = true;

    private Builder() {}

    /** The port to bind on 127.0.0.1; 0, the default, lets the system pick a free one. */
    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    /** Whether to keep every request for {@link #requests()} (the default). */
    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /**
     * Starts the fake.
     *
     * @throws IllegalStateException when it cannot bind its port
     */
    public FakeCohere start() {
      FakeCohere fake = new FakeCohere(this);
      fake.server.start();
      return fake;
    }
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return server.origin();
  }

  /** {@code http://127.0.0.1:<port>}: what stands for {@code https://api.cohere.com}. */
  public String baseUrl() {
    return origin();
  }

  /**
   * From now on, a request whose bearer key is not {@code key} gets Cohere's 401 {@code invalid api
   * token}; {@code null}, the default, accepts any key (a key is always required).
   */
  public void requireApiKey(String key) {
    api.requireApiKey(key);
  }

  /** The next valid chat request is answered with {@code reply}; one per request, in order. */
  public void enqueue(CohereReply reply) {
    api.enqueue(Objects.requireNonNull(reply));
  }

  /**
   * The next request not yet faulted gets {@code fault}; one per request, in order, with Cohere's
   * error body for its status.
   */
  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  /** Every request received so far, oldest first. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  public int requestCount() {
    return server.requestCount();
  }

  @Override
  public void close() {
    server.close();
  }

  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    Fault fault = server.nextFault();
    new CohereExchange(request, response, callback, server.streams())
        .play(fault, error -> api.answer(recorded, error));
  }
}
