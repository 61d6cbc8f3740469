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
 * The drain on SIGTERM: the server stops accepting connections (its connectors close their
 * listening sockets), and this handler lets it stop once no request is in flight, within {@code
 * server.drain-timeout}. Unlike Jetty's {@code GracefulHandler}, a request that arrives while
 * draining, on a connection accepted before, is served rather than refused with 503: a load
 * balancer has already sent it here and will not send it elsewhere (nginx retries a POST only when
 * it could not send it), so refusing it would fail a client. Its answer carries {@code Connection:
 * close}, so a client's persistent connection ends with it and the next request goes to a gateway
 * that is not stopping.
 */
final class DrainingHandler extends Handler.Wrapper implements Graceful {
  private final AtomicLong inFlight = new AtomicLong();
  private final Graceful.Shutdown shutdown =
      new Graceful.Shutdown(this) {
        @Override
        public boolean isShutdownDone() {
          return inFlight.get() == 0;
        }
      };

  DrainingHandler(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Handler next = getHandler();
    if (next == null) {
      return false;
    }
    inFlight.incrementAndGet();
    if (shutdown.isShutdown()) {
      response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
    }
    Callback counted =
        new Callback.Nested(callback) {
          @Override
          public void succeeded() {
            try {
              super.succeeded();
            } finally {
              finished();
            }
          }

          @Override
          public void failed(Throwable failure) {
            try {
              super.failed(failure);
            } finally {
              finished();
            }
          }
        };
    boolean handled;
    try {
      handled = next.handle(request, response, counted);
    } catch (Throwable failure) {
      finished();
      throw failure;
    }
    if (!handled) {
      finished();
    }
    return handled;
  }

  private void finished() {
    if (inFlight.decrementAndGet() == 0) {
      shutdown.check();
    }
  }

  @Override
  public CompletableFuture<Void> shutdown() {
    return shutdown.shutdown();
  }

  @Override
  public boolean isShutdown() {
    return shutdown.isShutdown();
  }
}
