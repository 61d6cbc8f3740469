package dev.switchboard.engine.cache;

import java.net.URI;
import java.time.Duration;

/**
 * Where and how much the gateway caches. Defaults live here, in one place; a request still caches
 * only when its config turns caching on ({@code "cache": {"mode": "simple"}}).
 *
 * @param backend the embedded in-process cache, or Redis shared by several gateway nodes
 * @param maxEntries the most answers the embedded cache keeps
 * @param maxBytes the most bytes of answers the embedded cache keeps (the JSON, uncompressed)
 * @param maxEntryBytes the largest answer stored, in either backend; larger ones are not stored
 * @param defaultMaxAge how long an answer is kept when the config sets no {@code max_age}
 * @param redisUri the Redis server, e.g. {@code redis://127.0.0.1:6379}
 * @param redisKeyPrefix prepended to every key in Redis, so several gateways or tests can share one
 * @param redisTimeout the longest a Redis connect or command may take before it counts as a miss
 * @param redisPauseAfterFailure after a Redis failure, how long the cache skips Redis (every lookup
 *     a miss), so that an outage does not cost each request a timeout
 */
public record CacheSettings(
    Backend backend,
    long maxEntries,
    long maxBytes,
    int maxEntryBytes,
    Duration defaultMaxAge,
    URI redisUri,
    String redisKeyPrefix,
    Duration redisTimeout,
    Duration redisPauseAfterFailure) {

  /** Where cached answers live. */
  public enum Backend {
    /** In this process (Caffeine), bounded by entries and bytes. */
    EMBEDDED,
    /** In Redis, shared by every gateway that points at it. */
    REDIS
  }

  /**
   * Portkey's documented default for {@code max_age} is 7 days; its open-source in-memory cache
   * never expires anything.
   */
  static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);

  public CacheSettings {
    if (maxEntries <= 0) {
      throw new IllegalArgumentException("cache max entries must be positive");
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("cache max bytes must be positive");
    }
    if (maxEntryBytes <= 0) {
      throw new IllegalArgumentException("cache max entry bytes must be positive");
    }
    if (defaultMaxAge.isNegative() || defaultMaxAge.isZero()) {
      throw new IllegalArgumentException("cache default max age must be positive");
    }
    if (redisTimeout.isNegative() || redisTimeout.isZero()) {
      throw new IllegalArgumentException("cache redis timeout must be positive");
    }
    if (redisPauseAfterFailure.isNegative()) {
      throw new IllegalArgumentException("cache redis pause must not be negative");
    }
    if (backend == Backend.REDIS
        && (redisUri == null || redisUri.getHost() == null || redisUri.getScheme() == null)) {
      throw new IllegalArgumentException("cache redis url must be like redis://host:6379");
    }
  }

  public static CacheSettings defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link CacheSettings}, starting from the defaults. */
  public static final class Builder {
    private Backend backend = Backend.EMBEDDED;
    private long maxEntries = 10_000;
    private long maxBytes = 64L * 1024 * 1024;
    private int maxEntryBytes = 1024 * 1024;
    private Duration defaultMaxAge = DEFAULT_MAX_AGE;
    private URI redisUri = URI.create("redis://127.0.0.1:6379");
    private String redisKeyPrefix = "switchboard:cache:";
    private Duration redisTimeout = Duration.ofMillis(250);
    private Duration redisPauseAfterFailure = Duration.ofSeconds(1);

    private Builder() {}

    public Builder backend(Backend backend) {
      this.backend = backend;
      return this;
    }

    public Builder maxEntries(long maxEntries) {
      this.maxEntries = maxEntries;
      return this;
    }

    public Builder maxBytes(long maxBytes) {
      this.maxBytes = maxBytes;
      return this;
    }

    public Builder maxEntryBytes(int maxEntryBytes) {
      this.maxEntryBytes = maxEntryBytes;
      return this;
    }

    public Builder defaultMaxAge(Duration maxAge) {
      this.defaultMaxAge = maxAge;
      return this;
    }

    /** Selects the Redis backend at this URI. */
    public Builder redis(URI uri) {
      this.backend = Backend.REDIS;
      this.redisUri = uri;
      return this;
    }

    public Builder redisKeyPrefix(String prefix) {
      this.redisKeyPrefix = prefix;
      return this;
    }

    public Builder redisTimeout(Duration timeout) {
      this.redisTimeout = timeout;
      return this;
    }

    public Builder redisPauseAfterFailure(Duration pause) {
      this.redisPauseAfterFailure = pause;
      return this;
    }

    public CacheSettings build() {
      return new CacheSettings(
          backend,
          maxEntries,
          maxBytes,
          maxEntryBytes,
          defaultMaxAge,
          redisUri,
          redisKeyPrefix,
          redisTimeout,
          redisPauseAfterFailure);
    }
  }
}
