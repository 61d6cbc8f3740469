package dev.switchboard.state.configs;

import dev.switchboard.access.store.StoreUrls;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where saved routing configs (the ids {@code x-portkey-config} may name) are kept, and how often a
 * gateway looks for changes another gateway made.
 *
 * @param enabled whether configs are kept in a store (edited through the admin API); off: the
 *     settings file's {@code configs} only, as they were at start
 * @param storeUrl {@code embedded} (an H2 file {@code configs} in {@code directory}), a {@code
 *     jdbc:postgresql://…} URL (shared by gateways), or any {@code jdbc:h2:} URL (tests)
 * @param directory where the embedded store lives
 * @param refresh how often the store's change counter is read: a change made through another
 *     gateway routes this gateway's requests within this long
 */
public record SavedConfigSettings(
    boolean enabled, String storeUrl, Path directory, Duration refresh) {

  /** The store URL that means the H2 file in {@link #directory}. */
  public static final String EMBEDDED = StoreUrls.EMBEDDED;

  /** How often the store is read for changes by default. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);

  public SavedConfigSettings {
    storeUrl = StoreUrls.checked(storeUrl, "saved-configs.store");
    directory = directory == null ? Path.of("switchboard-data") : directory;
    refresh = refresh == null ? DEFAULT_REFRESH : refresh;
    if (refresh.isNegative() || refresh.isZero()) {
      throw new IllegalArgumentException("saved-configs.refresh must be more than 0");
    }
  }

  /** Off: the settings file's configs only. */
  public static SavedConfigSettings disabled() {
    return new SavedConfigSettings(false, StoreUrls.EMBEDDED, null, null);
  }

  /** On, in the store at {@code url}, read for changes every {@code refresh}. */
  public static SavedConfigSettings storedAt(String url, Duration refresh) {
    return new SavedConfigSettings(true, url, null, refresh);
  }

  /** The JDBC URL {@link #storeUrl} stands for. */
  public String jdbcUrl() {
    return StoreUrls.jdbcUrl(storeUrl, directory, "configs");
  }

  /** A PostgreSQL URL's password stays out of logs. */
  @Override
  public String toString() {
    return "SavedConfigSettings[enabled="
        + enabled
        + ", storeUrl="
        + StoreUrls.shown(storeUrl)
        + ", directory="
        + directory
        + ", refresh="
        + refresh
        + "]";
  }
}
