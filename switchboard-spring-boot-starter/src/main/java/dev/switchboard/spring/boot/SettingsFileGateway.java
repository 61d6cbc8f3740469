package dev.switchboard.spring.boot;

import dev.switchboard.engine.Gateway;
import dev.switchboard.server.EmbeddedGateway;
import org.springframework.util.ClassUtils;

/**
 * The engine from {@code switchboard.in-process.settings-file}, built by {@code
 * switchboard-server}'s {@code EmbeddedGateway} exactly as a server started with that file would
 * build it. A class apart, so that {@code EmbeddedGateway} (an optional dependency) is loaded only
 * when the property is set.
 */
final class SettingsFileGateway {
  private static final String EMBEDDED_GATEWAY = "dev.switchboard.server.EmbeddedGateway";

  private SettingsFileGateway() {}

  static Gateway build(SwitchboardProperties.InProcess inProcess) {
    if (!inProcess.getProviderBaseUrls().isEmpty()
        || !inProcess.getConfigs().isEmpty()
        || inProcess.getDefaultConfig() != null) {
      throw new IllegalStateException(
          "switchboard.in-process.settings-file builds the engine from the file alone; put"
              + " provider-base-urls, configs and default-config in the file (providers.*,"
              + " configs.*, routing.default-config) instead");
    }
    if (!ClassUtils.isPresent(EMBEDDED_GATEWAY, SettingsFileGateway.class.getClassLoader())) {
      throw new IllegalStateException(
          "switchboard.in-process.settings-file needs dev.switchboard:switchboard-server on the"
              + " classpath (its EmbeddedGateway reads the file)");
    }
    return EmbeddedGateway.fromFile(inProcess.getSettingsFile());
  }
}
