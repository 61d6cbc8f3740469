package dev.switchboard.engine.outbound;

import dev.switchboard.engine.errors.ClientClosedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.errors.UpstreamTimeoutException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The one way the engine calls a provider. Every call passes the {@link OutboundGuard} twice: its
 * URL before the call, each resolved address when a connection is opened. Redirects are never
 * followed and no cookies are kept, so one tenant's call cannot leak into another's.
 *
 * <p>Calls block; run them on virtual threads. Thread-safe; one instance serves the gateway.
 */
public final class UpstreamClient implements AutoCloseable {
  private static final Duration NO_TIMEOUT = Duration.ofDays(1);

  private final HttpClient http;

  /** Whether {@link #http} was started: on the first call, see {@link #started()}. */
  private volatile boolean started;

  private final OutboundGuard guard;
  private final String instanceId = java.util.UUID.randomUUID().toString();

  public UpstreamClient(OutboundGuard guard, Duration connectTimeout, Duration idleTimeout) {
    this.guard = guard;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("upstream");
    threads.setDaemon(true);
    // The client's blocking work (reading a response and handing it to its listener) runs on
    // virtual threads, as the server's requests do: with platform threads the pool grew to one
    // thread per concurrent call (65 at 64 concurrent requests), each with its stack and malloc
    // arena, a fifth of the gateway's memory besides the heap.
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    this.http = new HttpClient();
    http.setExecutor(threads);
    http.setFollowRedirects(false);
    http.setHttpCookieStore(new HttpCookieStore.Empty());
    http.setConnectTimeout(connectTimeout.toMillis());
    http.setIdleTimeout(idleTimeout.toMillis());
    http.setMaxConnectionsPerDestination(4096);
    http.setMaxRequestsQueuedPerDestination(65536);
    http.setUserAgentField(null);
    http.setSocketAddressResolver(new GuardedResolver());
  }

  /**
   * The client, started by the first call rather than with the gateway: until a provider is called
   * over the network, the gateway holds neither its threads nor TLS (its context and the JDK's
   * trust store parsed; about 570 classes with the client's own), which an idle gateway, or one
   * that only answers with the mock provider or from its cache, does not need.
   */
  private HttpClient started() {
    if (!started) {
      synchronized (this) {
        if (!started) {
          try {
            http.start();
          } catch (Exception e) {
            throw new IllegalStateException("the upstream HTTP client failed to start", e);
          }
          // (The client adds these when it starts.) The gateway never answers an authentication
          // challenge itself, and providers answer 401 without WWW-Authenticate (OpenAI, Azure,
          // Cohere): Jetty's handlers would turn such a 401 into a protocol-violation failure
          // instead of the provider's own error.
          http.getProtocolHandlers()
              .remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
          http.getProtocolHandlers()
              .remove(org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler.NAME);
          started = true;
        }
      }
    }
    return http;
  }

  public OutboundGuard guard() {
    return guard;
  }

  /** This gateway instance's id, the mark ({@link Hops#MARK_HEADER}) its every call carries. */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Sends a request and waits for the response's status and headers.
   *
   * @throws UpstreamTimeoutException when the request's timeout passes first
   * @throws UpstreamFailureException when the provider cannot be reached or breaks off
   * @throws ClientClosedException when the calling thread is interrupted (the client left): the
   *     call is aborted, its connection closed
   * @throws InvalidRequestException when the host resolves to an address the guard refuses
   */
  public UpstreamResponse send(UpstreamRequest call) {
    return sendAs(call, -1);
  }

  /**
   * Sends a request as {@link #send(UpstreamRequest)} does, except that the answer to a call that
   * does not stream ({@link UpstreamRequest#streaming}) is read whole, into memory, before this
   * returns: for a provider's answer that is read whole anyway, without the hand-off of each block
   * of the body to the calling thread. {@link UpstreamResponse#readBody} then returns that array.
   *
   * @param maxBodyBytes the longest body a call that does not stream takes; a longer one fails the
   *     call as a response that broke off
   */
  public UpstreamResponse send(UpstreamRequest call, int maxBodyBytes) {
    if (maxBodyBytes < 0) {
      throw new IllegalArgumentException("maxBodyBytes must not be negative");
    }
    return sendAs(call, call.streaming() ? -1 : maxBodyBytes);
  }

  /** Sends {@code call}: its body read whole up to {@code maxBytes}, or as it arrives when -1. */
  private UpstreamResponse sendAs(UpstreamRequest call, int maxBytes) {
    guard.checkUrl(call.uri().toString(), "url");
    AtomicBoolean committed = new AtomicBoolean();
    Request request = started().newRequest(call.uri()).method(call.method());
    request.headers(headers -> {
      for (Map.Entry<String, String> header : call.headers()) {
        headers.add(header.getKey(), header.getValue());
      }
      // Set here, for every call of every provider, over anything a client's headers carried.
      headers.put(Hops.HEADER, Integer.toString(call.hops() + 1));
      headers.put(Hops.MARK_HEADER, instanceId);
    });
    if (call.body() != null) {
      request.body(new BytesRequestContent(call.body()));
    }
    request.onRequestCommit(r -> committed.set(true));
    Duration timeout = call.timeout() == null ? NO_TIMEOUT : call.timeout();
    if (!call.streaming() && call.timeout() != null) {
      request.timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    FailureTranslator failures = new FailureTranslator(call, committed);
    if (Thread.currentThread().isInterrupted()) {
      // The client left after the attempt began (a stage ran meanwhile): nothing goes upstream.
      throw clientLeft(null);
    }
    if (maxBytes >= 0) {
      return sendReadingWhole(request, timeout, maxBytes, failures, committed);
    }
    InputStreamResponseListener listener = new InputStreamResponseListener();
    request.send(listener);
    try {
      Response response = listener.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new UpstreamResponse(request, response, listener.getInputStream(), failures);
    } catch (TimeoutException e) {
      request.abort(e);
      throw new UpstreamTimeoutException(timeout, e);
    } catch (InterruptedException e) {
      request.abort(e);
      Thread.currentThread().interrupt();
      throw clientLeft(e);
    } catch (ExecutionException e) {
      throw failures.translate(e.getCause(), committed.get());
    }
  }

  /**
   * The whole answer, buffered by Jetty's listener on the thread that reads it: the calling thread
   * wakes once, when the answer is complete.
   */
  private static UpstreamResponse sendReadingWhole(
      Request request,
      Duration timeout,
      int maxBytes,
      FailureTranslator failures,
      AtomicBoolean committed) {
    AtomicBoolean answering = new AtomicBoolean();
    request.onResponseBegin(r -> answering.set(true));
    CompletableFuture<ContentResponse> answer =
        new CompletableResponseListener(request, maxBytes).send();
    try {
      ContentResponse response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return UpstreamResponse.whole(response, response.getContent(), failures);
    } catch (TimeoutException e) {
      request.abort(e);
      throw new UpstreamTimeoutException(timeout, e);
    } catch (InterruptedException e) {
      request.abort(e);
      Thread.currentThread().interrupt();
      throw clientLeft(e);
    } catch (ExecutionException e) {
      // A failure once the answer began (it broke off, or it is longer than maxBytes) comes after
      // the request was sent, as a failed read of a streamed body does.
      throw failures.translate(e.getCause(), answering.get() || committed.get());
    }
  }

  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the upstream HTTP client failed to stop", e);
    }
  }

  /** Turns a transport failure into the gateway's error for it. */
  static final class FailureTranslator {
    private final UpstreamRequest call;
    private final AtomicBoolean committed;

    FailureTranslator(UpstreamRequest call, AtomicBoolean committed) {
      this.call = call;
      this.committed = committed;
    }

    RuntimeException translate(Throwable failure, boolean afterResponse) {
      if (interrupted(failure)) {
        // The read was interrupted (its flag cleared on the way): keep it for the stages above.
        Thread.currentThread().interrupt();
        return clientLeft(failure);
      }
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof RefusedAddressException refused) {
          return new InvalidRequestException(refused.getMessage(), "custom_host", null);
        }
        if (t instanceof TimeoutException) {
          return new UpstreamTimeoutException(
              call.timeout() == null ? NO_TIMEOUT : call.timeout(), t);
        }
        if (t instanceof UnknownHostException) {
          return new UpstreamFailureException(
              call.provider(), "The provider's host could not be resolved.", false, t);
        }
      }
      // The commit event can come after a reset the provider sent once it had read the request, so
      // only a failure to connect proves that nothing was sent.
      boolean sent = afterResponse || committed.get() || !failedToConnect(failure);
      String what =
          afterResponse
              ? "The provider's response broke off."
              : "The provider could not be reached.";
      return new UpstreamFailureException(call.provider(), what, sent, failure);
    }
  }

  /**
   * The failure of a call whose thread was interrupted: the only one to interrupt a request's
   * thread is the client leaving (the server's disconnect watch, or an in-process caller
   * cancelling).
   */
  private static ClientClosedException clientLeft(Throwable cause) {
    return new ClientClosedException("The client went away; the upstream call was stopped.", cause);
  }

  /** Whether a call failed because its thread was interrupted, not because of the provider. */
  private static boolean interrupted(Throwable failure) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || t instanceof java.nio.channels.ClosedByInterruptException
          || (t instanceof java.io.InterruptedIOException
              && !(t instanceof java.net.SocketTimeoutException))) {
        return true;
      }
    }
    return false;
  }

  private static boolean failedToConnect(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException
          || t instanceof java.net.NoRouteToHostException
          || t instanceof java.nio.channels.UnresolvedAddressException) {
        return true;
      }
    }
    return false;
  }

  /** An address the guard refused, found when a connection was about to be opened. */
  static final class RefusedAddressException extends IOException {
    RefusedAddressException(String host) {
      super(
          "Invalid custom host: "
              + host
              + " resolves to a private, loopback, link-local or reserved address, or to one of"
              + " the gateway's own listeners.");
    }
  }

  /** Resolves names off the I/O threads and keeps only the addresses the guard permits. */
  private final class GuardedResolver implements SocketAddressResolver {
    @Override
    public void resolve(
        String host,
        int port,
        Map<String, Object> context,
        Promise<List<InetSocketAddress>> promise) {
      Thread.ofVirtual()
          .name("resolve-", 0)
          .start(() -> {
            try {
              List<InetSocketAddress> permitted = new ArrayList<>();
              for (InetAddress address : InetAddress.getAllByName(host)) {
                if (guard.allowsConnection(host, address, port)) {
                  permitted.add(new InetSocketAddress(address, port));
                }
              }
              if (permitted.isEmpty()) {
                promise.failed(new RefusedAddressException(host));
              } else {
                promise.succeeded(permitted);
              }
            } catch (UnknownHostException e) {
              promise.failed(e);
            }
          });
    }
  }
}
