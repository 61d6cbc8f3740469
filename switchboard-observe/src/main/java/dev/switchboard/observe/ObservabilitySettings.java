package dev.switchboard.observe;

import dev.switchboard.observe.tracing.TracingMode;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the gateway keeps about its requests, and where.
 *
 * @param logsEnabled whether request records are stored at all
 * @param dataDirectory where the embedded store keeps its file
 * @param storeUrl a PostgreSQL JDBC URL to store in instead, shared by gateways; {@code null} for
 *     the embedded store
 * @param queueCapacity the most records waiting to be written; more are dropped and counted
 * @param batchSize the most records written in one transaction
 * @param flushInterval the longest a record waits for its batch to fill
 * @param retryPause the pause after the store refused a batch
 * @param metricsEnabled whether the gateway keeps Prometheus metrics and serves {@code GET
 *     /metrics}
 * @param tracing whether the gateway sends OpenTelemetry traces of its requests
 * @param spillCapacityBytes the most bytes the request log's spill file ({@code requests.spill} in
 *     {@code dataDirectory}) holds: records the full queue cannot take wait there for the store;
 *     past it they are dropped and counted. 0: no spill, a full queue drops
 */
public record ObservabilitySettings(
    boolean logsEnabled,
    Path dataDirectory,
    String storeUrl,
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    Duration retryPause,
    boolean metricsEnabled,
    TracingMode tracing,
    long spillCapacityBytes) {

  public static final Path DEFAULT_DATA_DIRECTORY = Path.of("switchboard-data");

  /** The spill file's default bound: 256 MiB, some 600,000 records without bodies. */
  public static final long DEFAULT_SPILL_CAPACITY_BYTES = 256L * 1024 * 1024;

  /** The spill file's name in the data directory. */
  public static final String SPILL_FILE = "requests.spill";

  public ObservabilitySettings {
    if (queueCapacity <= 0 || batchSize <= 0) {
      throw new IllegalArgumentException("the log queue and its batches must hold a record");
    }
    if (spillCapacityBytes < 0) {
      throw new IllegalArgumentException("the spill's capacity must be 0 (none) or more bytes");
    }
    if (tracing == null) {
      throw new IllegalArgumentException("the tracing mode must be auto, on or off");
    }
  }

  public static ObservabilitySettings defaults() {
    return new ObservabilitySettings(
        true,
        DEFAULT_DATA_DIRECTORY,
        null,
        100_000,
        500,
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        true,
        TracingMode.AUTO,
        DEFAULT_SPILL_CAPACITY_BYTES);
  }

  public ObservabilitySettings withDataDirectory(Path directory) {
    return new ObservabilitySettings(
        logsEnabled,
        directory,
        storeUrl,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        metricsEnabled,
        tracing,
        spillCapacityBytes);
  }

  public ObservabilitySettings withStoreUrl(String url) {
    return new ObservabilitySettings(
        logsEnabled,
        dataDirectory,
        url,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        metricsEnabled,
        tracing,
        spillCapacityBytes);
  }

  public ObservabilitySettings withLogsEnabled(boolean enabled) {
    return new ObservabilitySettings(
        enabled,
        dataDirectory,
        storeUrl,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        metricsEnabled,
        tracing,
        spillCapacityBytes);
  }

  public ObservabilitySettings withMetricsEnabled(boolean enabled) {
    return new ObservabilitySettings(
        logsEnabled,
        dataDirectory,
        storeUrl,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        enabled,
        tracing,
        spillCapacityBytes);
  }

  public ObservabilitySettings withSpillCapacityBytes(long bytes) {
    return new ObservabilitySettings(
        logsEnabled,
        dataDirectory,
        storeUrl,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        metricsEnabled,
        tracing,
        bytes);
  }

  /** Where the request log's spill file is. */
  public Path spillFile() {
    return dataDirectory.resolve(SPILL_FILE);
  }

  public ObservabilitySettings withTracing(TracingMode mode) {
    return new ObservabilitySettings(
        logsEnabled,
        dataDirectory,
        storeUrl,
        queueCapacity,
        batchSize,
        flushInterval,
        retryPause,
        metricsEnabled,
        mode,
        spillCapacityBytes);
  }
}
