package dev.switchboard.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Anthropic's Messages API (https://docs.anthropic.com/en/api/messages), for tests of
 * code that calls Anthropic: it binds 127.0.0.1, records every request, and answers in Anthropic's
 * published wire format, or with a {@link Fault} queued for the request.
 *
 * <p>It serves {@code POST /v1/messages} (JSON, or a stream of {@code event:}/{@code data:} events
 * in Anthropic's order) and {@code POST /v1/messages/count_tokens}. Every request needs {@code
 * x-api-key} (else 401 {@code authentication_error}) and {@code anthropic-version} (else 400).
 * Requests are validated as Anthropic does (model, {@code max_tokens}, roles, content blocks,
 * tools, tool choice, each {@code tool_use} answered by a {@code tool_result} in the next turn) and
 * refused with Anthropic's 400 {@code invalid_request_error}. The answer is the next {@link
 * AnthropicReply} queued, else {@code Hello from the fake Anthropic. You said: <last user text>}
 * (after tool results: {@code Tool results: <results>}). A token is a whitespace-separated word.
 *
 * <pre>{@code
 * try (FakeAnthropic anthropic = FakeAnthropic.start()) {
 *   anthropic.enqueue(Fault.status(529));
 *   // point the client under test at anthropic.baseUrl()
 * }
 * }</pre>
 *
 * <p>Thread-safe. Streams and slow answers run on virtual threads.
 */
public final class FakeAnthropic implements AutoCloseable {
  private final AnthropicApi api = new AnthropicApi();
  private final FakeServer<Fault> server;

  private FakeAnthropic(Builder builder) {
    this.server = new FakeServer<>("Anthropic", builder.port, builder.recordRequests, this::answer);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port, recording requests. */
  public static FakeAnthropic start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link FakeAnthropic}; defaults: an ephemeral port, recording. */
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
    public FakeAnthropic start() {
      FakeAnthropic fake = new FakeAnthropic(this);
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

  /** {@code http://127.0.0.1:<port>/v1}: what a client takes as Anthropic's base URL. */
  public String baseUrl() {
    return origin() + "/v1";
  }

  /**
   * From now on, a request whose {@code x-api-key} is not {@code key} gets Anthropic's 401. {@code
   * null}, the default, accepts any key (a key is always required).
   */
  public void requireApiKey(String key) {
    api.requireApiKey(key);
  }

  /** The next request not yet faulted gets {@code fault}; one per request, in order. */
  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  /** Drops every fault queued and not used yet, e.g. those a request's retries did not take. */
  public void clearFaults() {
    server.clearFaults();
  }

  /** The next valid Messages request is answered with {@code reply}; one per request, in order. */
  public void enqueue(AnthropicReply reply) {
    api.enqueue(Objects.requireNonNull(reply));
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

  /**
   * Waits until at least {@code count} answers ended because their client closed its connection
   * while the fake waited to send more (a {@link Fault.SlowFirstByte}, a {@link Fault.ChunkDelay}
   * or a {@link Fault.StreamStall}), as a provider stops generating for a client that left; false
   * on timeout.
   */
  public boolean awaitClientsLeftWhileWaiting(int count, Duration timeout)
      throws InterruptedException {
    return server.streams().awaitLeftWhileWaiting(count, timeout);
  }

  /** Streams ended because their client went away before they were complete. */
  public int abortedStreams() {
    return server.streams().aborted();
  }

  @Override
  public void close() {
    server.close();
  }

  /** Takes the request's fault from the queue and answers, on the request's virtual thread. */
  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    Fault fault = server.nextFault();
    String requestId = AnthropicApi.requestId();
    new AnthropicExchange(request, response, callback, server.streams(), requestId)
        .play(fault, error -> api.answer(recorded, error, requestId));
  }
}
