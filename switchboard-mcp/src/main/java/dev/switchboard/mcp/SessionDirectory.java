package dev.switchboard.mcp;

import dev.switchboard.engine.cluster.SharedRedis;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.SetParams;

/**
 * The MCP sessions every gateway of a set knows, in Redis ({@code mcp.session-store}): for each
 * session id a client was given, the endpoint it was opened on and its {@code initialize} request's
 * parameters (the protocol version, the client's capabilities and information; no credential), kept
 * while the session is used and dropped {@code mcp.session-timeout} after its last request or at
 * once when the client deletes it. A gateway that gets a request for a session it did not open
 * reads it here and opens the same session for itself ({@link SharedSessions}).
 */
interface SessionDirectory extends AutoCloseable {
  /** What a session was opened with. */
  record Opened(String endpoint, String initializeParams) {}

  /** The answer to a look-up. */
  sealed interface Lookup {}

  /** The session is known (its expiry was pushed back). */
  record Known(Opened session) implements Lookup {}

  /** No such session: it never was, expired or was deleted. */
  record Unknown() implements Lookup {}

  /** The directory could not answer (Redis is away): the gateway goes by what it knows itself. */
  record Unreachable() implements Lookup {}

  /** Notes a session just opened. */
  void opened(String id, Opened session);

  /** The session {@code id}, its expiry pushed back by a session timeout. */
  Lookup lookup(String id);

  /** Forgets {@code id} (the client deleted it). */
  void deleted(String id);

  @Override
  void close();

  /** No shared directory: each gateway knows the sessions opened on it only. */
  SessionDirectory NONE =
      new SessionDirectory() {
        @Override
        public void opened(String id, Opened session) {}

        @Override
        public Lookup lookup(String id) {
          return new Unreachable();
        }

        @Override
        public void deleted(String id) {}

        @Override
        public void close() {}
      };

  /** The directory in Redis at {@code uri}, each entry kept {@code timeout} after its last use. */
  static SessionDirectory redis(URI uri, Duration timeout) {
    return new Redis(uri, timeout);
  }

  /**
   * One key a session, {@code switchboard:mcp:session:<id>}, holding its endpoint, a newline and
   * its {@code initialize} parameters' JSON, expiring a session timeout after its last use.
   */
  final class Redis implements SessionDirectory {
    private static final Logger log = LoggerFactory.getLogger(SessionDirectory.class);
    private static final String PREFIX = "switchboard:mcp:session:";
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(1);

    private final RedisClient redis;
    private final long timeoutMillis;
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());

    private Redis(URI uri, Duration timeout) {
      this.redis = SharedRedis.connect(uri, ANSWER_WITHIN);
      this.timeoutMillis = Math.max(1, timeout.toMillis());
    }

    @Override
    public void opened(String id, Opened session) {
      if (paused()) {
        return;
      }
      try {
        redis.set(
            key(id),
            (session.endpoint() + "\n" + session.initializeParams())
                .getBytes(StandardCharsets.UTF_8),
            SetParams.setParams().px(timeoutMillis));
      } catch (RuntimeException failure) {
        failed(failure);
      }
    }

    @Override
    public Lookup lookup(String id) {
      if (paused()) {
        return new Unreachable();
      }
      try {
        byte[] stored = redis.getEx(key(id), new GetExParams().px(timeoutMillis));
        if (stored == null) {
          return new Unknown();
        }
        String value = new String(stored, StandardCharsets.UTF_8);
        int newline = value.indexOf('\n');
        return newline < 0
            ? new Unknown()
            : new Known(new Opened(value.substring(0, newline), value.substring(newline + 1)));
      } catch (RuntimeException failure) {
        failed(failure);
        return new Unreachable();
      }
    }

    @Override
    public void deleted(String id) {
      try {
        redis.del(key(id));
      } catch (RuntimeException failure) {
        failed(failure);
      }
    }

    private static byte[] key(String id) {
      return (PREFIX + id).getBytes(StandardCharsets.UTF_8);
    }

    private boolean paused() {
      return System.nanoTime() - pausedUntilNanos.get() < 0;
    }

    private void failed(RuntimeException failure) {
      pausedUntilNanos.set(System.nanoTime() + PAUSE_AFTER_FAILURE.toNanos());
      log.warn("the MCP session directory in Redis failed: {}", failure.getClass().getName());
    }

    @Override
    public void close() {
      redis.close();
    }
  }
}
