package dev.switchboard.server;

import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose request line and headers have not all arrived within a deadline of
 * their first byte. Jetty's idle timeout restarts with every byte, and it has no deadline of its
 * own for the headers, so a client that sends a header byte now and then would hold a connection
 * for ever; {@link MinimumReadRate} covers the body once the headers are in. An idle keep-alive
 * connection between requests is not in a request, so only the idle timeout applies to it.
 *
 * <p>Once a second it looks at each open connection's parser: a request under way in its header
 * state is remembered with the time it was first seen so (keyed by the connection and its count of
 * requests, so the next request on a kept-alive connection starts afresh).
 */
final class RequestHeaderDeadline extends AbstractLifeCycle {
  private static final long SWEEP_MILLIS = 1_000;

  private final Server server;
  private final long deadlineNanos;
  private final Map<HttpConnection, Started> inHeaders = new WeakHashMap<>();
  private volatile Scheduler.Task sweep;

  /** When a request's headers were first seen under way, and which request it was. */
  private record Started(long messagesIn, long nanos) {}

  RequestHeaderDeadline(Server server, Duration deadline) {
    this.server = server;
    this.deadlineNanos = deadline.toNanos();
  }

  @Override
  protected void doStart() {
    schedule();
  }

  @Override
  protected void doStop() {
    Scheduler.Task task = sweep;
    if (task != null) {
      task.cancel();
    }
    synchronized (inHeaders) {
      inHeaders.clear();
    }
  }

  private void schedule() {
    if (isRunning() || isStarting()) {
      sweep = server.getScheduler().schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    try {
      synchronized (inHeaders) {
        inHeaders.keySet().removeIf(connection -> !connection.getEndPoint().isOpen());
        for (Connector connector : server.getConnectors()) {
          for (EndPoint endPoint : connector.getConnectedEndPoints()) {
            if (endPoint.getConnection() instanceof HttpConnection connection) {
              check(connection, endPoint, now);
            }
          }
        }
      }
    } finally {
      schedule();
    }
  }

  private void check(HttpConnection connection, EndPoint endPoint, long now) {
    HttpParser parser = connection.getParser();
    boolean readingHeaders = parser.inHeaderState() && !parser.isStart();
    if (!readingHeaders) {
      inHeaders.remove(connection);
      return;
    }
    Started started = inHeaders.get(connection);
    if (started == null || started.messagesIn() != connection.getMessagesIn()) {
      inHeaders.put(connection, new Started(connection.getMessagesIn(), now));
    } else if (now - started.nanos() > deadlineNanos) {
      inHeaders.remove(connection);
      endPoint.close();
    }
  }
}
