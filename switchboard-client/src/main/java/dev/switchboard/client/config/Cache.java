package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/**
 * A target's {@code cache}: simple (exact) or semantic, and how long answers are kept. Immutable;
 * each method returns a copy.
 *
 * <pre>{@code Cache.simple().maxAge(Duration.ofMinutes(10))}</pre>
 */
public final class Cache {
  private final String mode;
  private final Long maxAgeSeconds;

  private Cache(String mode, Long maxAgeSeconds) {
    this.mode = mode;
    this.maxAgeSeconds = maxAgeSeconds;
  }

  /** Answers a request identical to one answered before from the cache. */
  public static Cache simple() {
    return new Cache("simple", null);
  }

  /** Answers a request similar in meaning to one answered before from the cache. */
  public static Cache semantic() {
    return new Cache("semantic", null);
  }

  /**
   * Keeps answers this long (whole seconds, as Portkey's {@code max_age}); without it, the
   * gateway's default.
   *
   * @throws InvalidConfigException when shorter than a second
   */
  public Cache maxAge(Duration maxAge) {
    if (maxAge == null || maxAge.toSeconds() < 1) {
      throw new InvalidConfigException("cache.max_age", "must be a positive number of seconds");
    }
    return new Cache(mode, maxAge.toSeconds());
  }

  ObjectNode toJson() {
    ObjectNode json = Json.object().put("mode", mode);
    if (maxAgeSeconds != null) {
      json.put("max_age", maxAgeSeconds);
    }
    return json;
  }
}
