package dev.switchboard.engine.cache;

/**
 * Where answers are kept. A store never throws to its caller: a backend that fails answers a miss,
 * and the failure is counted in {@link CacheStatistics}.
 */
sealed interface CacheStore extends AutoCloseable permits EmbeddedCacheStore, RedisCacheStore {

  /** The answer stored under {@code key} that has not expired, or {@code null}. */
  StoredAnswer get(CacheKey key);

  /**
   * Stores {@code answer} under {@code key} until its expiry, replacing any other.
   *
   * @return whether it was stored
   */
  boolean put(CacheKey key, StoredAnswer answer);

  /** How many answers are kept, as far as this process can tell ({@code -1} when it cannot). */
  long entryCount();

  @Override
  void close();
}
