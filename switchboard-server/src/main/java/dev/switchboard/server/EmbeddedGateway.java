package dev.switchboard.server;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.cli.SettingsLoader;
import java.nio.file.Path;

/**
 * The gateway engine in-process, built from the same settings file as the server ({@code
 * switchboard.jar --config FILE}): providers' base URLs, trusted hosts, timeouts, routing limits,
 * saved configs and the default config, the cache, prices. No HTTP server is started; calls go
 * through {@link Gateway}'s methods with no network hop to a gateway.
 *
 * <pre>{@code
 * try (Gateway gateway = EmbeddedGateway.fromFile(Path.of("switchboard.yaml"))) {
 *   var reply = gateway.chat(request, RequestOptions.builder().config("support-bot").build());
 * }
 * }</pre>
 *
 * Only the file is read: not the environment, not flags (an app's environment is its own). The
 * server's own settings ({@code server.*}, {@code logs.*}) are checked as the server checks them
 * and otherwise left unused: the request log belongs to the server (add a sink with {@link
 * Gateway.Builder#recordSink} to record requests in-process). An invalid file is an {@link
 * IllegalArgumentException} naming the setting, as the server's start-up error does.
 */
public final class EmbeddedGateway {
  private EmbeddedGateway() {}

  /** A gateway built from a settings file (YAML or JSON). Close it when done. */
  public static Gateway fromFile(Path settingsFile) {
    return builder(settingsFile).build();
  }

  /** A gateway built from the text of a settings file (YAML or JSON). Close it when done. */
  public static Gateway fromYaml(String settings) {
    return Gateway.builder().settings(settingsFromYaml(settings)).build();
  }

  /**
   * A gateway builder with the file's settings, to add what the file cannot say: record sinks, a
   * clock, a sentence embedder.
   */
  public static Gateway.Builder builder(Path settingsFile) {
    return Gateway.builder().settings(settings(settingsFile));
  }

  /** The engine's settings in a settings file. */
  public static GatewaySettings settings(Path settingsFile) {
    return SettingsLoader.engineSettings(settingsFile);
  }

  /** The engine's settings in the text of a settings file. */
  public static GatewaySettings settingsFromYaml(String settings) {
    return SettingsLoader.engineSettings(settings);
  }
}
