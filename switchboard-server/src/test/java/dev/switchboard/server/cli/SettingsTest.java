package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.cache.CacheSettings;
import dev.switchboard.server.ServerSettings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings come from a YAML file, the environment and flags, in rising precedence. */
class SettingsTest {
  @TempDir Path dir;

  @Test
  void defaultsBindLoopbackOnPort8787() {
    ServerSettings settings = SettingsLoader.load(null, Map.of(), Map.of());

    assertThat(settings.host()).isEqualTo("127.0.0.1");
    assertThat(settings.port()).isEqualTo(8787);
    assertThat(settings.maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
    assertThat(settings.drainTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.gateway().trustedHosts())
        .containsExactlyInAnyOrder("localhost", "127.0.0.1", "::1", "host.docker.internal");
    assertThat(settings.gateway().requestTimeout()).isNull();
  }

  @Test
  void aNonLoopbackAddressIsRefusedUnlessTheOperatorSaysSo() {
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), Map.of("server.host", "0.0.0.0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("server.host 0.0.0.0 is not a loopback address")
        .hasMessageContaining("server.allow-unauthenticated=true");

    ServerSettings open =
        SettingsLoader.load(
            null,
            Map.of("SWITCHBOARD_SERVER_ALLOW_UNAUTHENTICATED", "true"),
            Map.of("server.host", "0.0.0.0"));
    assertThat(open.host()).isEqualTo("0.0.0.0");
    assertThat(SettingsLoader.load(null, Map.of(), Map.of("server.host", "::1")).host())
        .isEqualTo("::1");
    assertThat(SettingsLoader.load(null, Map.of(), Map.of("server.host", "localhost")).host())
        .isEqualTo("localhost");
  }

  @Test
  void requiringGatewayKeysLetsTheGatewayBindANonLoopbackAddress() {
    ServerSettings guarded =
        SettingsLoader.load(
            null,
            Map.of("SWITCHBOARD_ACCESS_REQUIRE_KEYS", "true"),
            Map.of("server.host", "0.0.0.0"));

    assertThat(guarded.host()).isEqualTo("0.0.0.0");
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), Map.of("server.host", "0.0.0.0")))
        .hasMessageContaining("access.require-keys=true");
    assertThatThrownBy(() ->
            SettingsLoader.load(
                null, Map.of(), Map.of("access.require-keys", "true", "access.enabled", "false")))
        .hasMessageContaining("access.require-keys=true needs access.enabled=true");
  }

  @Test
  void theAdminPortIsNoneByDefaultAndListensOnLoopbackOnly() {
    ServerSettings defaults = SettingsLoader.load(null, Map.of(), Map.of());
    assertThat(defaults.adminPort()).isNull();
    assertThat(defaults.adminHost()).isEqualTo("127.0.0.1");

    ServerSettings apart =
        SettingsLoader.load(null, Map.of("SWITCHBOARD_ADMIN_PORT", "8788"), Map.of());
    assertThat(apart.adminPort()).isEqualTo(8788);
    assertThat(
            SettingsLoader.load(null, Map.of(), Map.of("admin.port", "0", "admin.host", "::1"))
                .adminHost())
        .isEqualTo("::1");

    assertThatThrownBy(() ->
            SettingsLoader.load(
                null,
                Map.of("SWITCHBOARD_SERVER_ALLOW_UNAUTHENTICATED", "true"),
                Map.of("admin.port", "8788", "admin.host", "0.0.0.0")))
        .hasMessageContaining("admin.host 0.0.0.0 is not a loopback address");
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), Map.of("admin.port", "70000")))
        .hasMessageContaining("admin.port must be between 0 and 65535");
  }

  @Test
  void accessIsOnByDefaultWithAnEmbeddedStoreAndNoKeysRequired() {
    var access = SettingsLoader.load(null, Map.of(), Map.of()).access();

    assertThat(access.enabled()).isTrue();
    assertThat(access.requireKeys()).isFalse();
    assertThat(access.storeUrl()).isEqualTo("embedded");
    assertThat(access.directory()).isEqualTo(Path.of("switchboard-data"));
    assertThat(access.masterKey()).isNull();
    assertThat(access.keyCacheTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(access.redisUrl()).isNull();
    assertThat(access.alertWebhook()).isNull();
    assertThat(access.unpriced().requestUsd()).isEqualByComparingTo("0.10");
    assertThat(access.unpriced().inputUsdPerMillion()).isEqualByComparingTo("5.00");
    assertThat(access.unpriced().outputUsdPerMillion()).isEqualByComparingTo("25.00");
  }

  @Test
  void accessSettingsAreReadAndTheMasterKeyNeverShown() {
    String masterKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    ServerSettings settings =
        SettingsLoader.load(
            null,
            Map.of(
                "SWITCHBOARD_ACCESS_MASTER_KEY", masterKey,
                "SWITCHBOARD_ACCESS_PREVIOUS_MASTER_KEYS", "b2xkMQ==, b2xkMg==",
                "SWITCHBOARD_ACCESS_REDIS_URL", "redis://127.0.0.1:6379"),
            Map.of(
                "access.store", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres",
                "access.key-cache-ttl", "2s",
                "access.alerts.webhook", "http://127.0.0.1:9/alerts",
                "access.unpriced-estimate-usd", "0.25",
                "access.unpriced-input-usd-per-million", "15",
                "access.unpriced-output-usd-per-million", "75",
                "access.master-key-file", "/run/secrets/master"));
    var access = settings.access();

    assertThat(access.masterKey()).isEqualTo(masterKey);
    assertThat(access.previousMasterKeys()).containsExactly("b2xkMQ==", "b2xkMg==");
    assertThat(access.storeUrl()).startsWith("jdbc:postgresql://");
    assertThat(access.keyCacheTtl()).isEqualTo(Duration.ofSeconds(2));
    assertThat(access.redisUrl()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(access.alertWebhook()).isEqualTo(URI.create("http://127.0.0.1:9/alerts"));
    assertThat(access.unpriced().requestUsd()).isEqualByComparingTo("0.25");
    assertThat(access.unpriced().inputUsdPerMillion()).isEqualByComparingTo("15");
    assertThat(access.unpriced().outputUsdPerMillion()).isEqualByComparingTo("75");
    assertThat(access.masterKeyFile()).isEqualTo(Path.of("/run/secrets/master"));
    assertThat(settings.toString()).doesNotContain(masterKey).doesNotContain("b2xkMQ==");

    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("access.store", "mysql://x")))
        .hasMessageContaining("access.store");
    assertThatThrownBy(() ->
            SettingsLoader.load(
                null, Map.of(), Map.of("access.unpriced-estimate-usd", "ten cents")))
        .hasMessageContaining("access.unpriced-estimate-usd");
    assertThatThrownBy(() ->
            SettingsLoader.load(
                null, Map.of(), Map.of("access.unpriced-output-usd-per-million", "-1")))
        .hasMessageContaining("access.unpriced-output-usd-per-million must not be negative");
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("access.key-cache-ttl", "soon")))
        .hasMessageContaining("access.key-cache-ttl");
  }

  @Test
  void theAdminTokenIsNoneByDefaultAndReadFromTheEnvironment() {
    assertThat(SettingsLoader.load(null, Map.of(), Map.of()).adminToken()).isNull();

    ServerSettings settings =
        SettingsLoader.load(null, Map.of("SWITCHBOARD_ADMIN_TOKEN", "t0ken-from-env"), Map.of());

    assertThat(settings.adminToken()).isEqualTo("t0ken-from-env");
    assertThat(settings.toString()).doesNotContain("t0ken-from-env");
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of("SWITCHBOARD_ADMIN_TOKEN", "  "), Map.of()))
        .hasMessageContaining("admin.token");
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile() throws IOException {
    Path file = dir.resolve("switchboard.yaml");
    Files.writeString(
        file,
        """
        server:
          port: 9000
          host: 127.0.0.2
          max-body-size: 1MB
        upstream:
          request-timeout: 90s
          trusted-hosts: [localhost, vllm.internal]
        providers:
          openai:
            base-url: http://127.0.0.1:1234/v1
        """);

    ServerSettings settings =
        SettingsLoader.load(
            file,
            Map.of("SWITCHBOARD_SERVER_PORT", "9100", "SWITCHBOARD_SERVER_HOST", "127.0.0.3"),
            Map.of("server.port", "9200"));

    assertThat(settings.port()).isEqualTo(9200);
    assertThat(settings.host()).isEqualTo("127.0.0.3");
    assertThat(settings.maxBodyBytes()).isEqualTo(1024 * 1024);
    assertThat(settings.gateway().requestTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(settings.gateway().trustedHosts())
        .containsExactlyInAnyOrder("localhost", "vllm.internal");
    assertThat(settings.gateway().providerBaseUrls())
        .containsEntry("openai", URI.create("http://127.0.0.1:1234/v1"));
  }

  @Test
  void readsSavedConfigsAndRoutingLimitsFromTheFile() throws IOException {
    Path file = dir.resolve("routing.yaml");
    Files.writeString(
        file,
        """
        routing:
          default-config: pc-main
          max-attempts: 4
          deadline: 90s
          circuit-threshold: 3
        configs:
          pc-main:
            strategy: {mode: fallback}
            targets:
              - {provider: mock, override_params: {model: first}}
              - {provider: mock, override_params: {model: second}}
        """);

    ServerSettings settings = SettingsLoader.load(file, Map.of(), Map.of());

    assertThat(settings.gateway().configs()).containsOnlyKeys("pc-main");
    assertThat(
            settings
                .gateway()
                .configs()
                .get("pc-main")
                .at("/targets/1/override_params/model")
                .asText())
        .isEqualTo("second");
    assertThat(settings.gateway().defaultConfig()).isEqualTo("pc-main");
    assertThat(settings.gateway().routing().maxAttempts()).isEqualTo(4);
    assertThat(settings.gateway().routing().deadline()).isEqualTo(Duration.ofSeconds(90));
    assertThat(settings.gateway().routing().circuitThreshold()).isEqualTo(3);
  }

  @Test
  void theCacheIsEmbeddedByDefaultAndRedisWhenTheFileSaysSo() throws IOException {
    var defaults = SettingsLoader.load(null, Map.of(), Map.of()).gateway().cache();
    assertThat(defaults.backend()).isEqualTo(CacheSettings.Backend.EMBEDDED);
    assertThat(defaults.maxEntries()).isEqualTo(10_000);
    assertThat(defaults.maxBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(defaults.defaultMaxAge()).isEqualTo(Duration.ofDays(7));

    Path file = dir.resolve("cache.yaml");
    Files.writeString(
        file,
        """
        cache:
          backend: redis
          max-entries: 500
          max-size: 8MB
          max-entry-size: 64KB
          default-max-age: 2h
          redis:
            url: redis://10.0.0.5:6380
            key-prefix: "gw1:"
            timeout: 100ms
            pause-after-failure: 5s
        """);
    var cache = SettingsLoader.load(file, Map.of(), Map.of()).gateway().cache();

    assertThat(cache.backend()).isEqualTo(CacheSettings.Backend.REDIS);
    assertThat(cache.redisUri()).isEqualTo(URI.create("redis://10.0.0.5:6380"));
    assertThat(cache.redisKeyPrefix()).isEqualTo("gw1:");
    assertThat(cache.redisTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(cache.redisPauseAfterFailure()).isEqualTo(Duration.ofSeconds(5));
    assertThat(cache.maxEntries()).isEqualTo(500);
    assertThat(cache.maxBytes()).isEqualTo(8L * 1024 * 1024);
    assertThat(cache.maxEntryBytes()).isEqualTo(64 * 1024);
    assertThat(cache.defaultMaxAge()).isEqualTo(Duration.ofHours(2));
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("cache.backend", "memcached")))
        .hasMessageContaining("cache.backend");
  }

  @Test
  void anUnknownKeyOrABadValueNamesTheSetting() throws IOException {
    Path file = dir.resolve("typo.yaml");
    Files.writeString(file, "server:\n  prot: 1\n");

    assertThatThrownBy(() -> SettingsLoader.load(file, Map.of(), Map.of()))
        .hasMessageContaining("server.prot");
    assertThatThrownBy(() -> SettingsLoader.load(null, Map.of(), Map.of("server.port", "eighty")))
        .hasMessageContaining("server.port");
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("server.drain-timeout", "soon")))
        .hasMessageContaining("server.drain-timeout");
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("server.max-body-size", "lots")))
        .hasMessageContaining("server.max-body-size");
    assertThatThrownBy(() ->
            SettingsLoader.load(null, Map.of(), Map.of("providers.openai.base-url", "ftp://x/v1")))
        .hasMessageContaining("http");
  }

  @Test
  void requestLogRetryPauseComesFromItsFlagOrEnvironmentVariable() {
    assertThat(SettingsLoader.load(null, Map.of(), Map.of()).observability().retryPause())
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(
            SettingsLoader.load(null, Map.of("SWITCHBOARD_LOGS_RETRY_PAUSE", "250ms"), Map.of())
                .observability()
                .retryPause())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(
            SettingsLoader.load(null, Map.of(), Map.of("logs.retry-pause", "5s"))
                .observability()
                .retryPause())
        .isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("logs.retry-pause", "soon")))
        .hasMessageContaining("logs.retry-pause");
  }

  @Test
  void helpListsEverySettingWithItsFlagEnvironmentVariableAndDefault() {
    String help = Main.help();

    for (Setting setting : Setting.values()) {
      assertThat(help)
          .contains(setting.flag())
          .contains(setting.environmentVariable())
          .contains(setting.defaultValue);
    }
    assertThat(help).contains("--config").contains("SWITCHBOARD_CONFIG");
  }
}
