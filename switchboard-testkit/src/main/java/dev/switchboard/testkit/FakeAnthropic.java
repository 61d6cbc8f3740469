package dev.switchboard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
  private final Server server;
  private final ServerConnector connector;
  private final AnthropicApi api = new AnthropicApi();
  private final boolean recordRequests;
  private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final BlockingQueue<RecordedRequest> untaken = new LinkedBlockingQueue<>();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final StreamCounters streams = new StreamCounters();

  private FakeAnthropic(Builder builder) {
    this.recordRequests = builder.recordRequests;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("fake-anthropic");
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(builder.port);
    connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
    server.addConnector(connector);
    server.setHandler(new Api());
    server.setStopTimeout(0);
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
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("not a port: " + port);
      }
      this.port = port;
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
      try {
        fake.server.start();
      } catch (Exception e) {
        fake.close();
        throw new IllegalStateException("the fake Anthropic could not start on port " + port, e);
      }
      return fake;
    }
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return "http://127.0.0.1:" + port();
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
    faults.add(Objects.requireNonNull(fault));
  }

  /** The next valid Messages request is answered with {@code reply}; one per request, in order. */
  public void enqueue(AnthropicReply reply) {
    api.enqueue(Objects.requireNonNull(reply));
  }

  /** Every request received so far, oldest first. */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  public int requestCount() {
    return requestCount.get();
  }

  /** Streams ended because their client went away before they were complete. */
  public int abortedStreams() {
    return streams.aborted();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the fake Anthropic did not stop", e);
    }
  }

  private final class Api extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback)
        throws IOException {
      RecordedRequest recorded = record(request);
      Fault fault = faults.poll();
      String requestId = AnthropicApi.requestId();
      var exchange = new AnthropicExchange(request, response, callback, streams, requestId);
      switch (fault) {
        case null -> exchange.send(api.answer(recorded, null, requestId), null);
        case Fault.ResetConnection reset ->
            new Exchange(request, response, callback, streams).resetConnection();
        case Fault.SlowFirstByte slow -> {
          Exchange.sleep(slow.delay());
          exchange.send(api.answer(recorded, null, requestId), slow);
        }
        case Fault.Status status -> exchange.send(api.answer(recorded, status, requestId), status);
        case Fault.StreamError error -> {
          Reply reply = api.answer(recorded, null, requestId);
          if (reply instanceof Reply.Json json && json.status() == 200) {
            reply = api.answer(recorded, new Fault.Status(error.status(), Map.of()), requestId);
          }
          exchange.send(reply, error);
        }
        case Fault.CutStreamAfter cut -> exchange.send(api.answer(recorded, null, requestId), cut);
        case Fault.MalformedBody bad -> exchange.send(api.answer(recorded, null, requestId), bad);
        case Fault.ChunkDelay delay -> exchange.send(api.answer(recorded, null, requestId), delay);
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
