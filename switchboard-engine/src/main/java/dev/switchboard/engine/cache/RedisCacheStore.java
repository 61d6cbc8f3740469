package dev.switchboard.engine.cache;

import dev.switchboard.engine.cluster.SharedRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.SetParams;

/**
 * The shared store: answers in Redis, compressed, each key set to expire with its answer, so that
 * every gateway pointed at the same Redis (and key prefix) shares hits.
 *
 * <p>Redis is a cache here, never a dependency: a connect or command that fails or takes longer
 * than the timeout is a miss (and an error counted), and for a short pause after a failure the
 * store does not try Redis at all, so that an outage costs requests nothing but their hits.
 */
final class RedisCacheStore implements CacheStore {
  private static final Logger log = LoggerFactory.getLogger(RedisCacheStore.class);

  private final RedisClient redis;
  private final String prefix;
  private final int maxEntryBytes;
  private final Duration pauseAfterFailure;
  private final Clock clock;
  private final CacheStatistics statistics;
  private final AtomicLong pausedUntilMillis = new AtomicLong(Long.MIN_VALUE);

  RedisCacheStore(CacheSettings settings, Clock clock, CacheStatistics statistics) {
    this.redis = SharedRedis.connect(settings.redisUri(), settings.redisTimeout());
    this.prefix = settings.redisKeyPrefix();
    this.maxEntryBytes = settings.maxEntryBytes();
    this.pauseAfterFailure = settings.redisPauseAfterFailure();
    this.clock = clock;
    this.statistics = statistics;
  }

  @Override
  public StoredAnswer get(CacheKey key) {
    if (paused()) {
      return null;
    }
    byte[] value;
    try {
      value = redis.get(redisKey(key));
    } catch (RuntimeException failure) {
      failed("read", failure);
      return null;
    }
    if (value == null) {
      return null;
    }
    try {
      StoredAnswer answer = StoredAnswer.fromBytes(value, maxEntryBytes);
      return answer.expiresAtMillis() <= clock.millis() ? null : answer;
    } catch (IOException unreadable) {
      statistics.error();
      log.warn("unreadable cache entry in Redis ignored: {}", unreadable.getMessage());
      return null;
    }
  }

  @Override
  public boolean put(CacheKey key, StoredAnswer answer) {
    long ttl = answer.expiresAtMillis() - clock.millis();
    if (ttl <= 0 || paused()) {
      return false;
    }
    try {
      redis.set(redisKey(key), answer.toBytes(), SetParams.setParams().px(ttl));
      return true;
    } catch (RuntimeException failure) {
      failed("write", failure);
      return false;
    }
  }

  /**
   * Pushes {@code value} onto the list {@code name} (under this store's prefix), keeps its newest
   * {@code max} values, and has it expire after {@code ttl}. A failure is counted and ignored.
   */
  void pushBounded(String name, byte[] value, int max, Duration ttl) {
    if (paused()) {
      return;
    }
    byte[] key = (prefix + name).getBytes(StandardCharsets.UTF_8);
    try {
      redis.lpush(key, value);
      redis.ltrim(key, 0, max - 1);
      redis.pexpire(key, Math.max(1, ttl.toMillis()));
    } catch (RuntimeException failure) {
      failed("index write", failure);
    }
  }

  /** The values of the list {@code name}, newest first; none when Redis cannot be read. */
  List<byte[]> list(String name) {
    if (paused()) {
      return List.of();
    }
    try {
      return redis.lrange((prefix + name).getBytes(StandardCharsets.UTF_8), 0, -1);
    } catch (RuntimeException failure) {
      failed("index read", failure);
      return List.of();
    }
  }

  @Override
  public long entryCount() {
    return -1;
  }

  @Override
  public void close() {
    redis.close();
  }

  private byte[] redisKey(CacheKey key) {
    return (prefix + key.hex()).getBytes(StandardCharsets.UTF_8);
  }

  private boolean paused() {
    return clock.millis() < pausedUntilMillis.get();
  }

  private void failed(String what, RuntimeException failure) {
    statistics.error();
    pausedUntilMillis.set(clock.millis() + pauseAfterFailure.toMillis());
    // The message names the host and port at most, never a key or a value.
    log.warn(
        "Redis cache {} failed, served as a miss for {} ms: {}",
        what,
        pauseAfterFailure.toMillis(),
        failure.getClass().getSimpleName());
  }
}
