package dev.switchboard.server.access;

import dev.switchboard.access.AccessSettings;

/** Access settings the tests need that the settings record has no wither for. */
final class AccessSettingsForTests {
  private AccessSettingsForTests() {}

  /** {@code settings} with rate counters in the Redis at {@code url}. */
  static AccessSettings withRedis(AccessSettings settings, String url) {
    return new AccessSettings(
        settings.enabled(),
        settings.storeUrl(),
        settings.directory(),
        settings.requireKeys(),
        settings.masterKey(),
        settings.masterKeyFile(),
        settings.previousMasterKeys(),
        settings.keyCacheTtl(),
        url,
        settings.alertWebhook(),
        settings.unpriced());
  }
}
