package dev.switchboard.access.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.engine.cluster.SharedRedis;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.serialization.Mapper;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import redis.clients.jedis.RedisClient;

/**
 * The token buckets behind rate limits, one per subject and limit: in this process, or in Redis
 * when gateways share their limits. A bucket of capacity N refills all N at once every minute
 * (Bucket4j's interval refill, not its greedy one), so a minute lets exactly N through and a
 * refusal knows the time to the next refill.
 *
 * <p>A bucket's key holds its limit ({@code switchboard:rate:key:abc:rpm:60}), so a changed limit
 * starts a fresh bucket instead of carrying the old one's state.
 */
sealed interface RateBuckets extends AutoCloseable {
  Duration WINDOW = Duration.ofMinutes(1);
  String PREFIX = "switchboard:rate:";

  /** The bucket for {@code name} (a subject's qualified name and the measure) of this capacity. */
  Bucket bucket(String name, long capacity);

  @Override
  void close();

  static RateBuckets create(String redisUrl, Clock clock) {
    TimeMeter time = new ClockTime(clock);
    return redisUrl == null || redisUrl.isBlank()
        ? new InProcess(time)
        : new InRedis(URI.create(redisUrl), time);
  }

  private static BucketConfiguration configuration(long capacity) {
    return BucketConfiguration.builder()
        .addLimit(limit -> limit.capacity(capacity).refillIntervally(capacity, WINDOW))
        .build();
  }

  /** Buckets in this process's memory, dropped after a few idle minutes (they are full again). */
  final class InProcess implements RateBuckets {
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets =
        Caffeine.newBuilder().expireAfterAccess(WINDOW.multipliedBy(5)).build();

    InProcess(TimeMeter time) {
      this.time = time;
    }

    @Override
    public Bucket bucket(String name, long capacity) {
      return buckets.get(
          PREFIX + name + ":" + capacity,
          key ->
              Bucket.builder()
                  .addLimit(configuration(capacity).getBandwidths()[0])
                  .withCustomTimePrecision(time)
                  .build());
    }

    @Override
    public void close() {
      buckets.invalidateAll();
    }
  }

  /**
   * Buckets in Redis, through Bucket4j's Jedis integration: each change is a compare-and-swap in a
   * Lua script, so gateways sharing Redis share one count. Checked with Jedis 8's {@link
   * RedisClient} (a {@code UnifiedJedis}), whose {@code eval}, {@code get} and {@code del} Bucket4j
   * calls.
   */
  final class InRedis implements RateBuckets {
    private final RedisClient redis;
    private final ProxyManager<String> proxies;

    InRedis(URI url, TimeMeter time) {
      this.redis = SharedRedis.connect(url, Duration.ofSeconds(2));
      this.proxies =
          Bucket4jJedis.casBasedBuilder(redis)
              .keyMapper(Mapper.STRING)
              .clientClock(time)
              .expirationAfterWrite(
                  ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(WINDOW))
              .build();
    }

    @Override
    public Bucket bucket(String name, long capacity) {
      return proxies.builder().build(PREFIX + name + ":" + capacity, () -> configuration(capacity));
    }

    @Override
    public void close() {
      redis.close();
    }
  }

  /** Bucket4j's time from the gateway's clock, so tests can move it. */
  record ClockTime(Clock clock) implements TimeMeter {
    @Override
    public long currentTimeNanos() {
      java.time.Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public boolean isWallClockBased() {
      return true;
    }
  }
}
