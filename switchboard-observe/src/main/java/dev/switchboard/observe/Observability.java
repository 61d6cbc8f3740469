package dev.switchboard.observe;

import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.observe.analytics.LiveTail;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the gateway keeps about its requests, built from its settings: the request log and its
 * store. The engine hands each request's record to {@link #sinks()}; the server serves the
 * analytics, logs, metrics and dashboard from here.
 */
public final class Observability implements AutoCloseable {
  private final ObservabilitySettings settings;
  private final RequestLog requestLog;
  private final LiveTail liveTail = new LiveTail();

  private Observability(ObservabilitySettings settings) {
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
              settings.retryPause());
    } else {
      this.requestLog = null;
    }
  }

  public static Observability start(ObservabilitySettings settings) {
    return new Observability(settings);
  }

  public ObservabilitySettings settings() {
    return settings;
  }

  /** The request log, or {@code null} when logs are off. */
  public RequestLog requestLog() {
    return requestLog;
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
    sinks.add(liveTail);
    return sinks;
  }

  /** Writes what the request log holds, then closes the store. */
  @Override
  public void close() {
    if (requestLog != null) {
      try {
        requestLog.close();
      } finally {
        requestLog.store().close();
      }
    }
  }
}
