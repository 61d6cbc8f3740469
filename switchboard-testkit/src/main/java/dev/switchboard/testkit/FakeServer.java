package dev.switchboard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.UriCompliance;
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
 * What every fake runs on, whatever its provider: a Jetty server on 127.0.0.1 (a chosen or an
 * ephemeral port, a virtual thread per request), the queue of faults it plays one per request, the
 * record of the requests it received, and the count of its open and aborted streams. A fake owns
 * one, hands its public methods of the same names to it, and gives it an {@link Answerer}: the
 * provider's routes, validation and answers. How an answer goes on the wire is the fake's {@link
 * Exchange}'s.
 *
 * <p>A field of each fake rather than their superclass: a package-private superclass of the public
 * fakes would be the type that a caller's {@code var} or lambda infers for two fakes together, a
 * type the caller may not use.
 *
 * @param <F> the faults the fake's provider can play
 */
final class FakeServer<F> implements AutoCloseable {
  /** The fake's part: answers one request, which is already read and recorded. */
  @FunctionalInterface
  interface Answerer {
    /**
     * Answers one request.
     *
     * @param recorded the request as recorded
     * @param body its body's bytes as received
     */
    void answer(
        RecordedRequest recorded,
        byte[] body,
        Request request,
        Response response,
        Callback callback)
        throws IOException;
  }

  private final String provider;
  private final int requestedPort;
  private final Answerer answerer;
  private final Server server;
  private final ServerConnector connector;
  private final boolean recordRequests;
  private final ConcurrentLinkedQueue<F> faults = new ConcurrentLinkedQueue<>();
  private final List<RecordedRequest> requests = new ArrayList<>();
  private final BlockingQueue<RecordedRequest> untaken = new LinkedBlockingQueue<>();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final StreamCounters streams = new StreamCounters();

  /**
   * A server, not listening yet; {@link #start()} starts it.
   *
   * @param provider the provider's name as messages say it, e.g. {@code OpenAI}; in lower case, it
   *     names the server's threads
   * @param port the port to bind on 127.0.0.1, 0 for an ephemeral one
   * @param recordRequests whether to keep every request for {@link #requests()} and {@link
   *     #takeRequest(Duration)}
   * @param uriCompliance which request paths Jetty lets through to {@code answerer}
   */
  FakeServer(
      String provider,
      int port,
      boolean recordRequests,
      UriCompliance uriCompliance,
      Answerer answerer) {
    this.provider = provider;
    this.requestedPort = port;
    this.recordRequests = recordRequests;
    this.answerer = answerer;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("fake-" + provider.toLowerCase(Locale.ROOT));
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    http.setUriCompliance(uriCompliance);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    // A gateway under a burst opens many connections at once; the JDK's backlog of 50 would reset
    // some of them.
    connector.setAcceptQueueSize(1024);
    // A slow first byte or a slow stream may be idle for long, as a provider's can.
    connector.setIdleTimeout(Duration.ofMinutes(10).toMillis());
    server.addConnector(connector);
    server.setHandler(new Receiver());
    server.setStopTimeout(0);
  }

  /** A server that lets through the request paths Jetty does by default. */
  FakeServer(String provider, int port, boolean recordRequests, Answerer answerer) {
    this(provider, port, recordRequests, UriCompliance.DEFAULT, answerer);
  }

  /** {@code port}, when it is one a builder may take: 0 (any free port) to 65535. */
  static int checkPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("not a port: " + port);
    }
    return port;
  }

  /**
   * Starts listening.
   *
   * @throws IllegalStateException when it cannot bind its port
   */
  void start() {
    try {
      server.start();
    } catch (Exception e) {
      close();
      throw new IllegalStateException(
          "the fake " + provider + " could not start on port " + requestedPort, e);
    }
  }

  /** The port it listens on. */
  int port() {
    return connector.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  String origin() {
    return "http://127.0.0.1:" + port();
  }

  /** Queues {@code fault} for the next request that takes one. */
  void enqueueFault(F fault) {
    faults.add(Objects.requireNonNull(fault));
  }

  /** Drops every fault queued and not used yet. */
  void clearFaults() {
    faults.clear();
  }

  /** The oldest fault queued, taken off the queue, or {@code null} when none is. */
  F nextFault() {
    return faults.poll();
  }

  /** Every request received so far, oldest first; none when it does not record requests. */
  List<RecordedRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** How many requests it received, whether or not it records them. */
  int requestCount() {
    return requestCount.get();
  }

  /** The streams of its answers: those being written, and those their client left. */
  StreamCounters streams() {
    return streams;
  }

  /** Stops listening and drops every open connection. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the fake " + provider + " did not stop", e);
    }
  }

  /** Reads and records each request, then has the fake's {@link Answerer} answer it. */
  private final class Receiver extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback)
        throws IOException {
      byte[] body;
      try (InputStream in = Content.Source.asInputStream(request)) {
        body = in.readAllBytes();
      }
      answerer.answer(record(request, body), body, request, response, callback);
      return true;
    }

    private RecordedRequest record(Request request, byte[] body) {
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
