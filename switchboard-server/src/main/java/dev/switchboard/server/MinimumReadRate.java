package dev.switchboard.server;

import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Stops reading a request body that arrives slower than a minimum data rate, so a client that
 * dribbles a byte now and then cannot hold a connection and a thread for ever (the idle timeout
 * alone restarts with every byte). The rate is measured from the first read, and only once a grace
 * period has passed, so a small body that is merely late is never refused. A read past it fails
 * with a {@link TimeoutException}, which {@link RequestBodies} answers with 408.
 */
final class MinimumReadRate extends Handler.Wrapper {
  /** The slowest a body may arrive, in bytes a second: a 32 MB upload still has 9 hours. */
  static final long BYTES_PER_SECOND = 1024;

  /** How long a body may take before its rate is judged. */
  static final long GRACE_NANOS = 10_000_000_000L;

  MinimumReadRate(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return super.handle(new RateLimitedRequest(request), response, callback);
  }

  private static final class RateLimitedRequest extends Request.Wrapper {
    private long firstReadNanos;
    private long bytesRead;
    private Content.Chunk tooSlow;

    RateLimitedRequest(Request request) {
      super(request);
    }

    @Override
    public Content.Chunk read() {
      if (tooSlow != null) {
        return tooSlow;
      }
      long now = System.nanoTime();
      if (firstReadNanos == 0) {
        firstReadNanos = now;
      }
      Content.Chunk chunk = super.read();
      if (chunk != null) {
        bytesRead += chunk.remaining();
        if (chunk.isLast()) {
          return chunk;
        }
      }
      long elapsed = now - firstReadNanos;
      if (elapsed > GRACE_NANOS && bytesRead * 1_000_000_000L / elapsed < BYTES_PER_SECOND) {
        if (chunk != null) {
          chunk.release();
        }
        tooSlow = Content.Chunk.from(new TimeoutException("the request body arrived too slowly"));
        return tooSlow;
      }
      return chunk;
    }
  }
}
