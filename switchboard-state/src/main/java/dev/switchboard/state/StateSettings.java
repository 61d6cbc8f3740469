package dev.switchboard.state;

import dev.switchboard.access.store.StoreUrls;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the Responses API's conversation state is kept. The responses are encrypted under the access
 * layer's master key ({@code access.master-key}); without one nothing is stored.
 *
 * @param enabled whether responses are stored at all
 * @param storeUrl {@code embedded} (an H2 file {@code responses} in {@code directory}), a {@code
 *     jdbc:postgresql://…} URL (shared by gateways), or any {@code jdbc:h2:} URL (tests)
 * @param directory where the embedded store lives
 * @param retention how long a stored response is kept after it was created; then it is deleted
 * @param sweepInterval how often expired responses are deleted (they are never served once expired,
 *     swept or not)
 * @param backgroundLimit most {@code background: true} responses run at once; past it a new one is
 *     refused with 429
 */
public record StateSettings(
    boolean enabled,
    String storeUrl,
    Path directory,
    Duration retention,
    Duration sweepInterval,
    int backgroundLimit) {

  /** The store URL that means the H2 file in {@link #directory}. */
  public static final String EMBEDDED = StoreUrls.EMBEDDED;

  /** OpenAI keeps a stored response 30 days; so does the gateway by default. */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);

  public StateSettings {
    storeUrl = StoreUrls.checked(storeUrl, "responses.store");
    directory = directory == null ? Path.of("switchboard-data") : directory;
    retention = retention == null ? DEFAULT_RETENTION : retention;
    sweepInterval = sweepInterval == null ? Duration.ofMinutes(1) : sweepInterval;
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("responses.retention must be positive");
    }
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException("responses.sweep-interval must be positive");
    }
    if (backgroundLimit < 1) {
      throw new IllegalArgumentException("responses.background-limit must be at least 1");
    }
  }

  /** On, the embedded store in {@code switchboard-data}, 30 days, 64 background responses. */
  public static StateSettings defaults() {
    return new StateSettings(true, EMBEDDED, null, null, null, 64);
  }

  /** Off: nothing stored, {@code previous_response_id} and {@code background} refused. */
  public static StateSettings disabled() {
    return new StateSettings(false, EMBEDDED, null, null, null, 64);
  }

  public StateSettings withStoreUrl(String url) {
    return new StateSettings(enabled, url, directory, retention, sweepInterval, backgroundLimit);
  }

  public StateSettings withRetention(Duration keptFor) {
    return new StateSettings(enabled, storeUrl, directory, keptFor, sweepInterval, backgroundLimit);
  }

  /** The JDBC URL {@link #storeUrl} stands for. */
  public String jdbcUrl() {
    return StoreUrls.jdbcUrl(storeUrl, directory, "responses");
  }

  /** A PostgreSQL URL's password stays out of logs. */
  @Override
  public String toString() {
    return "StateSettings[enabled="
        + enabled
        + ", storeUrl="
        + StoreUrls.shown(storeUrl)
        + ", directory="
        + directory
        + ", retention="
        + retention
        + ", sweepInterval="
        + sweepInterval
        + ", backgroundLimit="
        + backgroundLimit
        + "]";
  }
}
