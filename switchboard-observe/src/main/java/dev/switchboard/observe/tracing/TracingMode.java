package dev.switchboard.observe.tracing;

/**
 * Whether the gateway traces its requests (setting {@code tracing.enabled}). Tracing needs a
 * collector to send to, so by default it follows OpenTelemetry's own environment variables.
 */
public enum TracingMode {
  /**
   * Trace when OpenTelemetry's environment says where to ({@code OTEL_TRACES_EXPORTER} other than
   * {@code none}, {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}
   * set, and {@code OTEL_SDK_DISABLED} not {@code true}); else start no SDK at all.
   */
  AUTO,
  /** Always trace; with no {@code OTEL_*} variable set, to OTLP/HTTP at localhost:4318. */
  ON,
  /** Never trace, whatever the environment says. */
  OFF
}
