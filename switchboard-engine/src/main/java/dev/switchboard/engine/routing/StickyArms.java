package dev.switchboard.engine.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.engine.cluster.SharedRedis;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

/**
 * The sticky table of load-balance experiments: which arm each subject (a user, a gateway key) was
 * given, so that it keeps that arm when the weights change. Keys are digests of the experiment and
 * the subject, never the subject itself. The first writer wins: two gateways that assign the same
 * new subject at once agree on the arm the store kept.
 *
 * <p>In this process by default (correct for one gateway); in Redis when gateways share state, as
 * the cache and the rate limits do. Redis is never a dependency here: when it fails or is slow the
 * router assigns as it would for a new subject (the weighted digest), which is the arm the subject
 * already has unless the weights changed since.
 */
public sealed interface StickyArms extends AutoCloseable {
  /** How long an assignment is kept after it was last used. */
  Duration KEPT_FOR = Duration.ofDays(90);

  /**
   * The arm stored for {@code digest}, or {@code proposed} stored now when there is none; {@code
   * null} when the store could not answer (the caller uses {@code proposed} unstored).
   */
  String armOf(String digest, String proposed);

  @Override
  void close();

  /** A table in this process. */
  static StickyArms inProcess(long maxSubjects) {
    return new InProcess(maxSubjects);
  }

  /** A table in Redis at {@code uri}, shared by every gateway that uses it. */
  static StickyArms redis(URI uri, String prefix, Duration timeout) {
    return new Redis(uri, prefix, timeout);
  }

  /** Bounded by subjects (the least recently used go first) and by {@link #KEPT_FOR}. */
  final class InProcess implements StickyArms {
    private final Cache<String, String> arms;

    private InProcess(long maxSubjects) {
      this.arms =
          Caffeine.newBuilder().maximumSize(maxSubjects).expireAfterAccess(KEPT_FOR).build();
    }

    @Override
    public String armOf(String digest, String proposed) {
      return arms.get(digest, unused -> proposed);
    }

    @Override
    public void close() {
      arms.invalidateAll();
    }
  }

  /** {@code SET NX} then {@code GET}: the first writer's arm, kept {@link #KEPT_FOR}. */
  final class Redis implements StickyArms {
    private static final Logger log = LoggerFactory.getLogger(StickyArms.class);
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(1);

    private final RedisClient redis;
    private final String prefix;
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());

    private Redis(URI uri, String prefix, Duration timeout) {
      this.redis = SharedRedis.connect(uri, timeout);
      this.prefix = prefix;
    }

    @Override
    public String armOf(String digest, String proposed) {
      if (System.nanoTime() - pausedUntilNanos.get() < 0) {
        return null;
      }
      byte[] key = (prefix + digest).getBytes(StandardCharsets.UTF_8);
      try {
        // GETEX refreshes the expiry of an arm in use; SET NX keeps the first writer's.
        byte[] kept =
            redis.getEx(key, new redis.clients.jedis.params.GetExParams().ex(KEPT_FOR.toSeconds()));
        if (kept != null) {
          return new String(kept, StandardCharsets.UTF_8);
        }
        redis.set(
            key,
            proposed.getBytes(StandardCharsets.UTF_8),
            SetParams.setParams().nx().ex(KEPT_FOR.toSeconds()));
        byte[] stored = redis.get(key);
        return stored == null ? proposed : new String(stored, StandardCharsets.UTF_8);
      } catch (RuntimeException failure) {
        pausedUntilNanos.set(System.nanoTime() + PAUSE_AFTER_FAILURE.toNanos());
        log.warn("the sticky table in Redis failed: {}", failure.getClass().getName());
        return null;
      }
    }

    @Override
    public void close() {
      redis.close();
    }
  }
}
