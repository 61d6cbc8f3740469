package dev.switchboard.observe;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.observe.analytics.LiveTail;
import dev.switchboard.observe.metrics.GatewayMetrics;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.observe.tracing.RequestTracing;
import dev.switchboard.observe.tracing.TracingSdk;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the gateway keeps about its requests, built from its settings: the request log and its
 * store, the Prometheus metrics and the OpenTelemetry traces. The engine hands each request's
 * record to {@link #sinks()}; the server serves the analytics, logs, metrics and dashboard from
 * here.
 */
public final class Observability implements AutoCloseable {
  private final ObservabilitySettings settings;
  private final RequestLog requestLog;
  private final GatewayMetrics metrics;
  private final RequestTracing tracing;
  private final LiveTail liveTail = new LiveTail();

  private Observability(ObservabilitySettings settings, OpenTelemetrySdk tracingSdk) {
    this.settings = settings;
    if (settings.logsEnabled()) {
      LogStore store =
          settings.storeUrl() == null
              ? LogStore.embedded(settings.dataDirectory())
              : LogStore.postgres(settings.storeUrl(), 1000);
      this.requestLog =
          new RequestLog(
              store,
              settings.queueCapacity(),
              settings.batchSize(),
              settings.flushInterval(),
              settings.retryPause(),
              settings.spillFile(),
              settings.spillCapacityBytes());
    } else {
      this.requestLog = null;
    }
    this.metrics = settings.metricsEnabled() ? new GatewayMetrics() : null;
    if (metrics != null && requestLog != null) {
      metrics.watch(requestLog);
    }
    this.tracing = tracingSdk == null ? null : new RequestTracing(tracingSdk);
  }

  /**
   * Starts what the settings ask for; traces go where OpenTelemetry's {@code OTEL_*} environment
   * says (see {@link TracingSdk}).
   */
  public static Observability start(ObservabilitySettings settings) {
    return start(settings, TracingSdk.start(settings.tracing()));
  }

  /**
   * Starts what the settings ask for, with traces into {@code tracingSdk} whatever {@link
   * ObservabilitySettings#tracing()} says, or none when it is {@code null}: how a test reads the
   * spans (an SDK with an in-memory exporter), or an application embedding the gateway uses its own
   * SDK. {@link #close()} shuts the SDK down.
   */
  public static Observability start(ObservabilitySettings settings, OpenTelemetrySdk tracingSdk) {
    try {
      return new Observability(settings, tracingSdk);
    } catch (RuntimeException failure) {
      if (tracingSdk != null) {
        tracingSdk.close();
      }
      throw failure;
    }
  }

  public ObservabilitySettings settings() {
    return settings;
  }

  /** The request log, or {@code null} when logs are off. */
  public RequestLog requestLog() {
    return requestLog;
  }

  /** The Prometheus metrics, or {@code null} when they are off. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The request traces, or {@code null} when tracing is off. */
  public RequestTracing tracing() {
    return tracing;
  }

  /**
   * Reports what the gateway itself holds, read when the metrics are scraped: each upstream's
   * circuit breaker.
   */
  public void watch(Gateway gateway) {
    if (metrics != null) {
      metrics.watchCircuits(gateway::circuits);
    }
  }

  /** The live tail of finished requests ({@code GET /v1/logs/tail}), stored or not. */
  public LiveTail liveTail() {
    return liveTail;
  }

  /** Where the engine sends each request's record. */
  public List<RecordSink> sinks() {
    List<RecordSink> sinks = new ArrayList<>();
    if (requestLog != null) {
      sinks.add(requestLog);
    }
    if (metrics != null) {
      sinks.add(metrics);
    }
    if (tracing != null) {
      sinks.add(tracing);
    }
    sinks.add(liveTail);
    return sinks;
  }

  /**
   * Writes what the request log holds, then closes the store; exports the spans still buffered and
   * shuts the tracing SDK down.
   */
  @Override
  public void close() {
    try {
      if (requestLog != null) {
        try {
          requestLog.close();
        } finally {
          requestLog.store().close();
        }
      }
    } finally {
      if (tracing != null) {
        tracing.close();
      }
    }
  }
}
