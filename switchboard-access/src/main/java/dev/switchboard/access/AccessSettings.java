package dev.switchboard.access;

import dev.switchboard.access.store.StoreUrls;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * How the access layer (gateway keys, workspaces, virtual keys, rate limits, budgets) runs.
 *
 * @param enabled whether it runs at all; when off nothing is installed and every request is
 *     admitted as before
 * @param storeUrl {@code embedded} (an H2 file {@code access} in {@code directory}), a {@code
 *     jdbc:postgresql://…} URL (shared by gateways), or any {@code jdbc:h2:} URL (tests)
 * @param directory where the embedded store lives
 * @param requireKeys whether every request needs a gateway key; when not, a request without one is
 *     served as an anonymous caller (the model routes only, no virtual keys)
 * @param masterKey the base64 of 32 bytes that encrypts virtual keys, or {@code null}
 * @param masterKeyFile a file holding that base64 (when {@code masterKey} is not given), or {@code
 *     null}
 * @param previousMasterKeys earlier master keys (base64) that still decrypt what they encrypted,
 *     until re-encryption under the current one
 * @param keyCacheTtl how long an authenticated key is remembered before the store is asked again (a
 *     revoke or rotate on this node takes effect at once; on another node within this time)
 * @param redisUrl a Redis URL for rate counters shared across gateways, or {@code null} (in
 *     process)
 * @param alertWebhook where budget alerts are posted, or {@code null} (the log only)
 * @param unpriced what a dollar budget assumes for a request whose cost the price table cannot
 *     tell; {@code null}: {@link UnpricedRates#DEFAULTS}
 */
public record AccessSettings(
    boolean enabled,
    String storeUrl,
    Path directory,
    boolean requireKeys,
    String masterKey,
    Path masterKeyFile,
    List<String> previousMasterKeys,
    Duration keyCacheTtl,
    String redisUrl,
    URI alertWebhook,
    UnpricedRates unpriced) {

  /** The store URL that means the H2 file in {@link #directory}. */
  public static final String EMBEDDED = StoreUrls.EMBEDDED;

  public AccessSettings {
    directory = directory == null ? Path.of("switchboard-data") : directory;
    previousMasterKeys = previousMasterKeys == null ? List.of() : List.copyOf(previousMasterKeys);
    keyCacheTtl = keyCacheTtl == null ? Duration.ofSeconds(5) : keyCacheTtl;
    if (keyCacheTtl.isNegative()) {
      throw new IllegalArgumentException("access.key-cache-ttl must not be negative");
    }
    unpriced = unpriced == null ? UnpricedRates.DEFAULTS : unpriced;
    storeUrl = StoreUrls.checked(storeUrl, "access.store");
  }

  /** On, embedded store in {@code switchboard-data}, no keys required, no master key. */
  public static AccessSettings defaults() {
    return new AccessSettings(
        true, EMBEDDED, null, false, null, null, List.of(), null, null, null, null);
  }

  /** Off: nothing installed, every request admitted. */
  public static AccessSettings disabled() {
    return new AccessSettings(
        false, EMBEDDED, null, false, null, null, List.of(), null, null, null, null);
  }

  /** On, with a private in-memory H2 store (gone at {@link Access#close}); for tests. */
  public static AccessSettings inMemory() {
    return defaults().withStoreUrl("jdbc:h2:mem:access-" + UUID.randomUUID());
  }

  public AccessSettings withStoreUrl(String url) {
    return new AccessSettings(
        enabled,
        url,
        directory,
        requireKeys,
        masterKey,
        masterKeyFile,
        previousMasterKeys,
        keyCacheTtl,
        redisUrl,
        alertWebhook,
        unpriced);
  }

  public AccessSettings withRequireKeys(boolean required) {
    return new AccessSettings(
        enabled,
        storeUrl,
        directory,
        required,
        masterKey,
        masterKeyFile,
        previousMasterKeys,
        keyCacheTtl,
        redisUrl,
        alertWebhook,
        unpriced);
  }

  /** The current master key (base64) and earlier ones that may still decrypt. */
  public AccessSettings withMasterKeys(String current, List<String> previous) {
    return new AccessSettings(
        enabled,
        storeUrl,
        directory,
        requireKeys,
        current,
        masterKeyFile,
        previous,
        keyCacheTtl,
        redisUrl,
        alertWebhook,
        unpriced);
  }

  public AccessSettings withKeyCacheTtl(Duration ttl) {
    return new AccessSettings(
        enabled,
        storeUrl,
        directory,
        requireKeys,
        masterKey,
        masterKeyFile,
        previousMasterKeys,
        ttl,
        redisUrl,
        alertWebhook,
        unpriced);
  }

  /** The JDBC URL {@link #storeUrl} stands for. */
  public String jdbcUrl() {
    if (storeUrl.equals(EMBEDDED)) {
      return "jdbc:h2:file:"
          + directory.toAbsolutePath().resolve("access")
          + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }
    return storeUrl;
  }

  /** Master keys stay out of logs. */
  @Override
  public String toString() {
    return "AccessSettings[enabled="
        + enabled
        + ", storeUrl="
        + StoreUrls.shown(storeUrl)
        + ", directory="
        + directory
        + ", requireKeys="
        + requireKeys
        + ", masterKey="
        + (masterKey == null ? "none" : "redacted")
        + ", masterKeyFile="
        + masterKeyFile
        + ", previousMasterKeys="
        + previousMasterKeys.size()
        + ", keyCacheTtl="
        + keyCacheTtl
        + ", redisUrl="
        + (redisUrl == null ? "none" : "set")
        + ", alertWebhook="
        + (alertWebhook == null ? "none" : "set")
        + ", unpriced="
        + unpriced
        + "]";
  }
}
