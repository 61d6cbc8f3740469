package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.observe.metrics.GatewayMetrics;
import dev.switchboard.observe.tracing.RequestTracing;
import dev.switchboard.wire.ChatRequest;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the Prometheus metrics and the OpenTelemetry traces add to one request, in process (no
 * HTTP): the engine with the offline {@code mock} provider, one thread, per call, with no sink,
 * with the metrics, with the traces (the SDK's batch processor, as in production, exporting to
 * nowhere so the collector's speed is not measured), and with both. Not a test: it prints a
 * Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.TelemetryLatency
 * [warm-up calls] [measured calls]</pre>
 */
public final class TelemetryLatency {
  private TelemetryLatency() {}

  public static void main(String[] args) {
    int warmup = LatencyHarness.count(args, 0, 20_000);
    int measured = LatencyHarness.count(args, 1, 20_000);
    LatencyHarness.printSetup(warmup, measured);
    AtomicLong exported = new AtomicLong();
    // Two rounds, the first unreported: the JIT keeps compiling through the first scenarios, which
    // would flatter the later ones.
    for (int round = 0; round < 2; round++) {
      boolean shown = round == 1;
      if (shown) {
        System.out.println("| sinks | " + LatencyHarness.MICROSECONDS_HEADER + " |");
        System.out.println("| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");
      }
      report(shown, "none", time(List.of(), warmup, measured));
      report(shown, "metrics", time(List.of(new GatewayMetrics()), warmup, measured));
      try (RequestTracing tracing = new RequestTracing(sdk(exported))) {
        report(shown, "traces", time(List.of(tracing), warmup, measured));
      }
      try (RequestTracing tracing = new RequestTracing(sdk(exported))) {
        report(
            shown,
            "metrics and traces",
            time(List.of(new GatewayMetrics(), tracing), warmup, measured));
      }
    }
    System.out.printf("%nspans exported: %d%n", exported.get());
  }

  /** An SDK as autoconfigure builds it (a batch processor), whose exporter only counts. */
  private static OpenTelemetrySdk sdk(AtomicLong exported) {
    SpanExporter counting =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            exported.addAndGet(spans.size());
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    return OpenTelemetrySdk.builder()
        .setTracerProvider(
            SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(counting).build())
                .build())
        .build();
  }

  private static Latencies time(List<RecordSink> sinks, int warmup, int measured) {
    Gateway.Builder builder = Gateway.builder();
    sinks.forEach(builder::recordSink);
    RequestOptions options = RequestOptions.builder().provider("mock").build();
    ChatRequest request = ask();
    try (Gateway gateway = builder.build()) {
      return LatencyHarness.measure(warmup, measured, i -> gateway.chat(request, options));
    }
  }

  private static void report(boolean shown, String scenario, Latencies latencies) {
    if (!shown) {
      return;
    }
    System.out.println("| " + scenario + " | " + LatencyHarness.microseconds(latencies) + " |");
  }

  private static ChatRequest ask() {
    return LatencyHarness.userTurn("Say hello to the metrics and the traces.");
  }
}
