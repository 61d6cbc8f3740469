package dev.switchboard.observe.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SDK as OpenTelemetry's settings configure it; the tests set the {@code otel.*} system
 * properties, which the SDK reads before the {@code OTEL_*} environment variables, and clear them.
 */
class TracingSdkTest {
  static OpenTelemetrySdk startWith(TracingMode mode, Map<String, String> properties) {
    properties.forEach(System::setProperty);
    try {
      return TracingSdk.start(mode);
    } finally {
      properties.keySet().forEach(System::clearProperty);
    }
  }

  @Test
  void namesTheServiceSwitchboardUnlessTheEnvironmentNamesIt() {
    OpenTelemetrySdk sdk = startWith(TracingMode.ON, Map.of("otel.traces.exporter", "none"));
    try {
      assertThat(sdk.getSdkTracerProvider().toString()).contains("service.name=\"switchboard\"");
    } finally {
      sdk.close();
    }
    OpenTelemetrySdk named =
        startWith(
            TracingMode.ON,
            Map.of("otel.traces.exporter", "none", "otel.service.name", "gateway-eu-1"));
    try {
      assertThat(named.getSdkTracerProvider().toString()).contains("service.name=\"gateway-eu-1\"");
    } finally {
      named.close();
    }
  }

  @Test
  void refusesOtlpOverGrpcWithAClearMessage() {
    assertThatThrownBy(() ->
            startWith(
                TracingMode.ON,
                Map.of(
                    "otel.exporter.otlp.endpoint", "http://127.0.0.1:4317",
                    "otel.exporter.otlp.protocol", "grpc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_PROTOCOL")
        .hasMessageContaining("http/protobuf");
  }

  @Test
  void refusesAnUnknownExporterNamingIt() {
    assertThatThrownBy(() -> startWith(TracingMode.AUTO, Map.of("otel.traces.exporter", "zipkinn")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zipkinn");
  }

  @Test
  void startsNothingWhenOff() {
    assertThat(startWith(TracingMode.OFF, Map.of("otel.traces.exporter", "otlp"))).isNull();
  }
}
