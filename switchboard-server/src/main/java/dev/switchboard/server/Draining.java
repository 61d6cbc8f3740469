package dev.switchboard.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.Graceful;

/**
 * How the server drains on SIGTERM without losing a request: from {@link #begin()} the gateway says
 * it is not ready ({@code /v1/health/ready} answers 503 {@code draining}) and ends every answer
 * with {@code Connection: close}, yet goes on accepting and serving, so that the balancer
 * (Kubernetes' endpoints, a health-checking proxy) takes it out of rotation before its listener
 * closes; then Jetty's graceful stop closes the listener and {@link #shutdown()} completes once the
 * last request in flight has ended. A request read after the stop began is served, never refused
 * with 503 (as Jetty's own {@code GracefulHandler} does): its client sent it to a gateway that
 * accepted it.
 */
final class Draining extends Handler.Wrapper implements Graceful {
  private final AtomicLong inFlight = new AtomicLong();
  private volatile boolean draining;
  private final Graceful.Shutdown shutdown =
      new Graceful.Shutdown(this) {
        @Override
        public boolean isShutdownDone() {
          return inFlight.get() == 0;
        }
      };

  Draining(Handler handler) {
    super(handler);
  }

  /** The drain begins: readiness turns false and each answer closes its connection. */
  void begin() {
    draining = true;
  }

  /** Whether the drain has begun. */
  boolean draining() {
    return draining;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (draining) {
      // A persistent connection's next request would reach a gateway about to close: the client
      // opens a new one, which the balancer sends elsewhere.
      response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }
    inFlight.incrementAndGet();
    // Counted down once its answer has ended (or failed), after the wrapped callback.
    Callback counted = Callback.from(callback, this::ended);
    boolean handled;
    try {
      handled = super.handle(request, response, counted);
    } catch (Throwable failure) {
      ended();
      throw failure;
    }
    if (!handled) {
      ended();
    }
    return handled;
  }

  private void ended() {
    if (inFlight.decrementAndGet() == 0 && shutdown.isShutdown()) {
      shutdown.check();
    }
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    draining = true;
    return shutdown.shutdown();
  }

  @Override
  public boolean isShutdown() {
    return shutdown.isShutdown();
  }
}
