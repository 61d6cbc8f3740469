package dev.switchboard.engine.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The in-process store: a Caffeine cache bounded by entries and by bytes at once, each entry
 * expiring at its own time.
 *
 * <p>Caffeine bounds a cache by size or by weight, not both; so each entry weighs its bytes, but at
 * least {@code maxBytes / maxEntries}, under a maximum weight of {@code maxBytes}. Then the bytes
 * kept never pass {@code maxBytes}, and the entries never pass {@code maxEntries} (each weighs at
 * least a {@code maxEntries}-th of the total). Eviction is Caffeine's W-TinyLFU: answers asked for
 * often stay.
 */
final class EmbeddedCacheStore implements CacheStore {
  private final Cache<String, StoredAnswer> cache;
  private final Clock clock;

  EmbeddedCacheStore(CacheSettings settings, Clock clock) {
    this.clock = clock;
    long floor = Math.max(1, ceilDiv(settings.maxBytes(), settings.maxEntries()));
    int minimumWeight = (int) Math.min(Integer.MAX_VALUE, floor);
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(settings.maxBytes())
            .weigher((String key, StoredAnswer answer) -> Math.max(answer.weight(), minimumWeight))
            .expireAfter(new ExpiresAt())
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            // Maintenance on the calling threads: no pool of our own, and no surprise in tests.
            .executor(Runnable::run)
            .build();
  }

  @Override
  public StoredAnswer get(CacheKey key) {
    StoredAnswer answer = cache.getIfPresent(key.hex());
    if (answer != null && answer.expiresAtMillis() <= clock.millis()) {
      return null;
    }
    return answer;
  }

  @Override
  public boolean put(CacheKey key, StoredAnswer answer) {
    cache.put(key.hex(), answer);
    return true;
  }

  @Override
  public long entryCount() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** The bytes the entries weigh, after pending evictions ran. */
  long weightedBytes() {
    cache.cleanUp();
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(-1)).orElse(-1L);
  }

  @Override
  public void close() {
    cache.invalidateAll();
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Each entry lives until the expiry it was stored with; reads do not extend it. */
  private final class ExpiresAt implements Expiry<String, StoredAnswer> {
    @Override
    public long expireAfterCreate(String key, StoredAnswer answer, long currentTime) {
      return remaining(answer);
    }

    @Override
    public long expireAfterUpdate(
        String key, StoredAnswer answer, long currentTime, long currentDuration) {
      return remaining(answer);
    }

    @Override
    public long expireAfterRead(
        String key, StoredAnswer answer, long currentTime, long currentDuration) {
      return currentDuration;
    }

    private long remaining(StoredAnswer answer) {
      long millis = Math.max(0, answer.expiresAtMillis() - clock.millis());
      return TimeUnit.MILLISECONDS.toNanos(millis);
    }
  }
}
