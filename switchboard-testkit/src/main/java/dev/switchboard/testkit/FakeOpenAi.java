package dev.switchboard.testkit;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake of OpenAI's HTTP API, for tests of code that calls OpenAI: it binds 127.0.0.1, records
 * every request, and answers in OpenAI's published wire format (field names, {@code null} versus
 * absent fields, SSE framing and event order, error bodies and status codes;
 * https://platform.openai.com/docs/api-reference), or with a {@link Fault} queued for the request.
 *
 * <p>It serves {@code POST /v1/chat/completions} (text, calls to the offered tools, or JSON that a
 * {@code json_schema} response format accepts; JSON or a stream), {@code POST /v1/completions},
 * {@code POST /v1/embeddings} (float or base64), {@code GET /v1/models}, {@code GET
 * /v1/models/{model}}, {@code POST /v1/moderations}, {@code POST /v1/audio/transcriptions} (a
 * multipart upload, answered with its text), {@code POST /v1/realtime/calls} (a WebRTC session's
 * SDP offer, answered {@code 201 Created} with an SDP answer and the call's {@code Location}) and
 * {@code POST /v1/responses} (the Responses API: text, or calls to the offered function tools, as
 * JSON or its stream of named events ending with {@code response.completed}, or {@code
 * response.incomplete} when {@code max_output_tokens} cut it); any other path gets OpenAI's 404. A
 * chat answer says {@code Hello from the fake OpenAI. You said: <last user message>}. Answers to
 * equal requests are equal but for {@code id} and {@code created}; a token is a
 * whitespace-separated word.
 *
 * <pre>{@code
 * try (FakeOpenAi openai = FakeOpenAi.start()) {
 *   openai.enqueue(Fault.status(429).withHeader("retry-after", "1"));
 *   // point the client under test at openai.baseUrl()
 * }
 * }</pre>
 *
 * <p>Thread-safe. Streams and slow answers run on virtual threads.
 */
public final class FakeOpenAi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FakeOpenAi.class);

  private final OpenAiApi api;
  private final FakeServer<Fault> server;
  private final Fault everyRequest;
  private final double someShare;
  private final Fault someRequests;
  private final AtomicLong unqueued = new AtomicLong();

  private FakeOpenAi(Builder builder) {
    this.api = new OpenAiApi(builder.clock);
    this.everyRequest = builder.everyRequest;
    this.someShare = builder.someShare;
    this.someRequests = builder.someRequests;
    this.server = new FakeServer<>("OpenAI", builder.port, builder.recordRequests, this::answer);
  }

  /** Starts a fake on 127.0.0.1 and an ephemeral port, recording requests. */
  public static FakeOpenAi start() {
    return builder().start();
  }

  /** A builder, for a fixed port or a fake that records nothing. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of a {@link FakeOpenAi}; defaults: an ephemeral port, recording, the system clock. */
  public static final class Builder {
    private int port;
    private boolean recordRequests = true;
    private Clock clock = Clock.systemUTC();
    private Fault everyRequest;
    private double someShare;
    private Fault someRequests;

    private Builder() {}

    /** The port to bind on 127.0.0.1; 0, the default, lets the system pick a free one. */
    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    /**
     * Whether to keep every request for {@link #requests()} and {@link #takeRequest(Duration)} (the
     * default); a long-running fake under load should not.
     */
    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /** The clock that answers' {@code created} times come from. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * A fault played on every request that no {@linkplain #enqueue(Fault) queued fault} takes: an
     * upstream that is always rate limited ({@code Fault.status(429)}) or overloaded, for clients
     * that cannot queue faults, such as another process calling through a gateway. Default: none.
     */
    public Builder everyRequest(Fault fault) {
      this.everyRequest = Objects.requireNonNull(fault);
      return this;
    }

    /**
     * A fault played on a share of the requests that no {@linkplain #enqueue(Fault) queued fault}
     * takes, spread evenly over them: the n-th such request gets it when {@code floor(n * share)}
     * grows, so that 0.05 is every twentieth request, a run of any length has its share, and no
     * random burst of them comes together. The others get the {@link #everyRequest(Fault)} fault,
     * if any: an upstream where a few calls are slow ({@link Fault.SlowFirstByte}) and the others
     * stream at a model's pace ({@link Fault.ChunkDelay}), for a load run through a gateway.
     * Default: none.
     *
     * @param share between 0 and 1
     */
    public Builder someRequests(double share, Fault fault) {
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("a share is between 0 and 1, not " + share);
      }
      this.someShare = share;
      this.someRequests = Objects.requireNonNull(fault);
      return this;
    }

    /**
     * Starts the fake.
     *
     * @throws IllegalStateException when it cannot bind its port
     */
    public FakeOpenAi start() {
      FakeOpenAi fake = new FakeOpenAi(this);
      fake.server.start();
      return fake;
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return server.origin();
  }

  /** {@code http://127.0.0.1:<port>/v1}: what an OpenAI client takes as its base URL. */
  public String baseUrl() {
    return origin() + "/v1";
  }

  /**
   * From now on, a request without {@code Authorization: Bearer <key>} gets OpenAI's 401 ({@code
   * invalid_api_key}, or the "You didn't provide an API key" error when none is sent). {@code null}
   * accepts any key or none again, the default.
   */
  public void requireApiKey(String key) {
    api.requireApiKey(key);
  }

  /**
   * The next request not yet faulted gets {@code fault}; faults are used one per request, in order.
   */
  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  /**
   * The next valid chat completions or Responses API request is answered with {@code reply}'s tool
   * calls (a chat message's {@code tool_calls}, or the response's {@code function_call} output
   * items); one per request, in order.
   */
  public void enqueue(OpenAiChatReply reply) {
    api.enqueue(Objects.requireNonNull(reply));
  }

  /** Drops every fault queued and not used yet, e.g. those a request's retries did not take. */
  public void clearFaults() {
    server.clearFaults();
  }

  /** Every request received so far, oldest first (none when it does not record requests). */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /**
   * The oldest request not taken yet, waiting up to {@code timeout} for one to come.
   *
   * @return the request, or {@code null} when none came in time
   */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  /** How many requests it received, whether or not it records them. */
  public int requestCount() {
    return server.requestCount();
  }

  /**
   * How many streams ended because their client went away (a write failed, the connection closed)
   * before the stream was complete. Streams cut by a {@link Fault} do not count.
   */
  public int abortedStreams() {
    return server.streams().aborted();
  }

  /** Waits until at least {@code count} streams were aborted by their client; false on timeout. */
  public boolean awaitAbortedStreams(int count, Duration timeout) throws InterruptedException {
    return server.streams().awaitAborted(count, timeout);
  }

  /**
   * How many answers, streamed or not, ended because their client closed its connection while the
   * fake waited to send more (a {@link Fault.SlowFirstByte}, a {@link Fault.ChunkDelay} or a {@link
   * Fault.StreamStall}): the fake looks at the connection every few milliseconds while it waits and
   * stops the answer at once, as a provider stops generating for a client that left.
   */
  public int clientsLeftWhileWaiting() {
    return server.streams().leftWhileWaiting();
  }

  /**
   * Waits until at least {@code count} clients left while an answer waited (see {@link
   * #clientsLeftWhileWaiting()}); false on timeout.
   */
  public boolean awaitClientsLeftWhileWaiting(int count, Duration timeout)
      throws InterruptedException {
    return server.streams().awaitLeftWhileWaiting(count, timeout);
  }

  /** How many streams are being written right now. */
  public int openStreams() {
    return server.streams().open();
  }

  /** Stops listening and drops every open connection. */
  @Override
  public void close() {
    server.close();
  }

  /** The fault of a request no queued fault took: its share's, or every request's. */
  private Fault plannedFault() {
    if (someRequests == null) {
      return everyRequest;
    }
    long n = unqueued.incrementAndGet();
    boolean inShare = (long) Math.floor(n * someShare) > (long) Math.floor((n - 1) * someShare);
    return inShare ? someRequests : everyRequest;
  }

  /** Takes the request's fault from the queue and answers, on the request's virtual thread. */
  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    Fault queued = server.nextFault();
    Fault fault = queued != null ? queued : plannedFault();
    LOG.debug("{} {} (fault: {})", recorded.method(), recorded.path(), fault);
    new OpenAiExchange(
            request, response, callback, server.streams(), OpenAiApi.namesEvents(recorded))
        .play(fault, error -> api.answer(recorded, error));
  }
}
