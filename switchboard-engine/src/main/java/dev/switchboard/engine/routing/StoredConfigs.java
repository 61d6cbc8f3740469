package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where the ids of saved configs are looked up besides the settings' {@code configs}: a store that
 * may change while the gateway runs ({@code switchboard-state}'s saved configs, edited through the
 * admin API). The router asks on every request that names a config by id (or whose default config
 * is an id), so an answer must come from memory; a config found here wins over the settings' one of
 * the same id.
 */
@FunctionalInterface
public interface StoredConfigs {
  /** None: only the settings' configs are saved. */
  StoredConfigs NONE = id -> null;

  /**
   * The config saved under {@code id} now; {@code null} when the store holds none (the settings'
   * config of that id is used, if any); a version whose {@code config} is {@code null} when the
   * store deleted it (no config of that id is used).
   */
  Version find(String id);

  /**
   * One version of a stored config: its number, which changes whenever the config does (the router
   * keeps the parsed tree until it does), and the config as saved.
   */
  record Version(long version, JsonNode config) {}
}
