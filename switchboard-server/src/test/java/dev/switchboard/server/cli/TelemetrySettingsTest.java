package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.tracing.TracingMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings of metrics and traces: {@code metrics.enabled} and {@code tracing.enabled}. */
class TelemetrySettingsTest {
  static ObservabilitySettings load(Map<String, String> environment, Map<String, String> flags) {
    return SettingsLoader.load(null, environment, flags).observability();
  }

  @Test
  void metricsAreOnAndTracingFollowsOpenTelemetrysEnvironmentByDefault() {
    ObservabilitySettings settings = load(Map.of(), Map.of());

    assertThat(settings.metricsEnabled()).isTrue();
    assertThat(settings.tracing()).isEqualTo(TracingMode.AUTO);
  }

  @Test
  void readsBothFromTheEnvironmentAndFlags() {
    ObservabilitySettings settings =
        load(
            Map.of("SWITCHBOARD_METRICS_ENABLED", "false", "SWITCHBOARD_TRACING_ENABLED", "true"),
            Map.of());
    assertThat(settings.metricsEnabled()).isFalse();
    assertThat(settings.tracing()).isEqualTo(TracingMode.ON);

    assertThat(load(Map.of(), Map.of("tracing.enabled", "false")).tracing())
        .isEqualTo(TracingMode.OFF);
    assertThat(load(Map.of(), Map.of("tracing.enabled", "AUTO")).tracing())
        .isEqualTo(TracingMode.AUTO);
  }

  @Test
  void aBadValueNamesTheSettingAndWhatItTakes() {
    assertThatThrownBy(() -> load(Map.of(), Map.of("tracing.enabled", "yes")))
        .hasMessageContaining("tracing.enabled must be auto, true or false, not yes");
    assertThatThrownBy(() -> load(Map.of(), Map.of("metrics.enabled", "1")))
        .hasMessageContaining("metrics.enabled must be true or false, not 1");
  }
}
