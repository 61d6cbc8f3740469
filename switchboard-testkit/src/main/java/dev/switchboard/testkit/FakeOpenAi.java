package dev.switchboard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fake of OpenAI's HTTP API, for tests of code that calls OpenAI: it binds 127.0.0.1, records
 * every request, and answers in OpenAI's published wire format (field names, {@code null} versus
 * absent fields, SSE framing and event order, error bodies and status codes;
 * https://platform.openai.com/docs/api-reference), or with a {@link Fault} queued for the request.
 *
 * <p>It serves {@code POST /v1/chat/completions} (text, or calls to the offered tools; JSON or a
 * stream), {@code POST /v1/completions}, {@code POST /v1/embeddings} (float or base64), {@code GET
 * /v1/models}, {@code GET /v1/models/{model}} and {@code POST /v1/moderations}; any other path gets
 * OpenAI's 404. A chat answer says {@code Hello from the fake OpenAI. You said: <last user
 * message>}. Answers to equal requests are equal but for {@code id} and {@code created}; a token is
 * a whitespace-separated word.
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

  private final Server server;
  private final ServerConnector connector;
  private final OpenAiApi api;
  private final boolean recordRequests;
  private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final BlockingQueue<RecordedRequest> untaken = new LinkedBlockingQueue<>();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final StreamCounters streams = new StreamCounters();

  private FakeOpenAi(Builder builder) {
    this.api = new OpenAiApi(builder.clock);
    this.recordRequests = builder.recordRequests;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("fake-openai");
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(builder.port);
    // A slow first byte or a slow stream may be idle for long, as OpenAI's can.
    connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
    server.addConnector(connector);
    server.setHandler(new Api());
    server.setStopTimeout(0);
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

    private Builder() {}

    /** The port to bind on 127.0.0.1; 0, the default, lets the system pick a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("not a port: " + port);
      }
      this.port = port;
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
     * Starts the fake.
     *
     * @throws IllegalStateException when it cannot bind its port
     */
    public FakeOpenAi start() {
      FakeOpenAi fake = new FakeOpenAi(this);
      try {
        fake.server.start();
      } catch (Exception e) {
        fake.close();
        throw new IllegalStateException("the fake OpenAI could not start on port " + port, e);
      }
      return fake;
    }
  }

  /** The port it listens on. */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return "http://127.0.0.1:" + port();
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
    faults.add(Objects.requireNonNull(fault));
  }

  /** Every request received so far, oldest first (none when it does not record requests). */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /**
   * The oldest request not taken yet, waiting up to {@code timeout} for one to come.
   *
   * @return the request, or {@code null} when none came in time
   */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** How many requests it received, whether or not it records them. */
  public int requestCount() {
    return requestCount.get();
  }

  /**
   * How many streams ended because their client went away (a write failed, the connection closed)
   * before the stream was complete. Streams cut by a {@link Fault} do not count.
   */
  public int abortedStreams() {
    return streams.aborted();
  }

  /** Waits until at least {@code count} streams were aborted by their client; false on timeout. */
  public boolean awaitAbortedStreams(int count, Duration timeout) throws InterruptedException {
    return streams.awaitAborted(count, timeout);
  }

  /** How many streams are being written right now. */
  public int openStreams() {
    return streams.open();
  }

  /** Stops listening and drops every open connection. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the fake OpenAI did not stop", e);
    }
  }

  /** Records each request, takes its fault from the queue, and answers on a virtual thread. */
  private final class Api extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback)
        throws IOException {
      RecordedRequest recorded = record(request);
      Fault fault = faults.poll();
      LOG.debug("{} {} (fault: {})", recorded.method(), recorded.path(), fault);
      Exchange exchange = new Exchange(request, response, callback, streams);
      switch (fault) {
        case null -> exchange.send(api.answer(recorded, null), null);
        case Fault.ResetConnection reset -> exchange.resetConnection();
        case Fault.SlowFirstByte slow -> {
          Exchange.sleep(slow.delay());
          exchange.send(api.answer(recorded, null), slow);
        }
        case Fault.Status status -> exchange.send(api.answer(recorded, status), status);
        case Fault.CutStreamAfter cut -> exchange.send(api.answer(recorded, null), cut);
        case Fault.MalformedBody malformed -> exchange.send(api.answer(recorded, null), malformed);
        case Fault.ChunkDelay delay -> exchange.send(api.answer(recorded, null), delay);
        case Fault.StreamError error -> {
          Reply reply = api.answer(recorded, null);
          exchange.send(
              reply instanceof Reply.Json
                  ? api.answer(recorded, new Fault.Status(error.status(), Map.of()))
                  : reply,
              error);
        }
      }
      return true;
    }

    private RecordedRequest record(Request request) throws IOException {
      byte[] body;
      try (InputStream in = Content.Source.asInputStream(request)) {
        body = in.readAllBytes();
      }
      List<Map.Entry<String, String>> headers = new ArrayList<>();
      for (HttpField field : request.getHeaders()) {
        headers.add(Map.entry(field.getName(), field.getValue()));
      }
      RecordedRequest recorded =
          new RecordedRequest(
              request.getMethod(),
              request.getHttpURI().getPath(),
              request.getHttpURI().getQuery(),
              headers,
              new String(body, StandardCharsets.UTF_8));
      requestCount.incrementAndGet();
      if (recordRequests) {
        synchronized (requests) {
          requests.add(recorded);
        }
        untaken.add(recorded);
      }
      return recorded;
    }
  }
}
