package dev.switchboard.engine.cluster;

import java.net.URI;
import java.time.Duration;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * The one way a gateway connects to the Redis that gateways share (the response cache, sticky arms,
 * rate buckets, MCP sessions): a pooled Jedis {@link RedisClient} whose connect, socket and pool
 * waits are all bounded by one timeout, so a Redis that stops answering costs a request at most
 * that long and each user's own fallback (a local answer, a pause) takes over.
 */
public final class SharedRedis {
  /** The most connections one client holds: one per request in flight, as the engine blocks. */
  static final int MAX_CONNECTIONS = 64;

  /** Connections kept open while idle. */
  static final int MAX_IDLE = 16;

  private SharedRedis() {}

  /**
   * A client of the Redis at {@code uri} ({@code redis://[user:password@]host:port[/db]}, or {@code
   * rediss://} for TLS).
   *
   * @param timeout the longest a connect, a command's answer, or a wait for a free pooled
   *     connection may take
   */
  public static RedisClient connect(URI uri, Duration timeout) {
    int millis = (int) Math.max(1, timeout.toMillis());
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(MAX_CONNECTIONS);
    pool.setMaxIdle(MAX_IDLE);
    pool.setMaxWait(Duration.ofMillis(millis));
    pool.setBlockWhenExhausted(true);
    return RedisClient.builder()
        .fromURI(uri)
        .clientConfig(
            DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(millis)
                .socketTimeoutMillis(millis)
                .build())
        .poolConfig(pool)
        .build();
  }
}
