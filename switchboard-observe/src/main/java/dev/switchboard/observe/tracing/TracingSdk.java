package dev.switchboard.observe.tracing;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Starts OpenTelemetry's SDK for the gateway's traces, configured as every OpenTelemetry SDK is: by
 * the {@code OTEL_*} environment variables (or the {@code otel.*} system properties), read by the
 * SDK's autoconfigure module (https://opentelemetry.io/docs/languages/java/configuration/). The
 * gateway changes only defaults: the service is {@code switchboard}, OTLP goes over HTTP with
 * protobuf (the specification's default; the gateway ships the JDK's HTTP client as the exporter's
 * sender, not gRPC's), and no metrics or logs are exported (metrics are Prometheus's, {@code GET
 * /metrics}).
 */
public final class TracingSdk {
  private TracingSdk() {}

  /**
   * Whether {@code mode} asks for traces, given the configuration {@code lookup} (a property name
   * such as {@code otel.traces.exporter} to its value, from the system properties or the
   * environment).
   */
  static boolean wanted(TracingMode mode, UnaryOperator<String> lookup) {
    return switch (mode) {
      case OFF -> false;
      case ON -> true;
      case AUTO -> {
        if ("true".equalsIgnoreCase(lookup.apply("otel.sdk.disabled"))) {
          yield false;
        }
        String exporter = lookup.apply("otel.traces.exporter");
        if (exporter != null && !exporter.isBlank()) {
          yield !exporter.trim().equalsIgnoreCase("none");
        }
        yield lookup.apply("otel.exporter.otlp.endpoint") != null
            || lookup.apply("otel.exporter.otlp.traces.endpoint") != null;
      }
    };
  }

  /**
   * The SDK {@code mode} asks for, configured by this process's {@code otel.*} system properties
   * and {@code OTEL_*} environment variables; {@code null} when it asks for none.
   *
   * @throws IllegalArgumentException when the configuration is invalid (an unknown exporter, a
   *     malformed endpoint, {@code grpc} as protocol, …), naming what is wrong
   */
  public static OpenTelemetrySdk start(TracingMode mode) {
    if (!wanted(mode, TracingSdk::processSetting)) {
      return null;
    }
    try {
      return AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesSupplier(TracingSdk::defaults)
          // Observability.close() shuts the SDK down once the last request is drained; a JVM hook
          // of its own could end it sooner and lose those requests' spans.
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
    } catch (ConfigurationException | IllegalStateException invalid) {
      String protocol = processSetting("otel.exporter.otlp.protocol");
      String hint =
          protocol != null && protocol.trim().equalsIgnoreCase("grpc")
              ? " (the gateway exports OTLP over HTTP only: set OTEL_EXPORTER_OTLP_PROTOCOL to"
                  + " http/protobuf, port 4318 on most collectors)"
              : "";
      throw new IllegalArgumentException(
          "tracing: the OpenTelemetry settings (OTEL_*) are invalid: "
              + invalid.getMessage()
              + hint,
          invalid);
    }
  }

  /** The gateway's defaults, below anything the system properties or environment say. */
  private static Map<String, String> defaults() {
    Map<String, String> defaults = new HashMap<>();
    String resource = processSetting("otel.resource.attributes");
    if (resource == null || !resource.contains("service.name=")) {
      defaults.put("otel.service.name", "switchboard");
    }
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    return defaults;
  }

  /**
   * A setting as the autoconfigure module reads it: the system property {@code otel.x.y}, else the
   * environment variable {@code OTEL_X_Y}.
   */
  static String processSetting(String property) {
    String value = System.getProperty(property);
    if (value != null) {
      return value;
    }
    return System.getenv(property.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT));
  }
}
