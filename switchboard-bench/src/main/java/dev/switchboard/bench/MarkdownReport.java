package dev.switchboard.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Renders a run as Markdown: the machine, then one row per format and concurrency comparing the
 * bare call with the gateway, then the time to first event of the streams.
 */
final class MarkdownReport {
  private final BenchmarkSettings settings;
  private final MachineFacts machine;
  private final List<Comparison> comparisons;

  /**
   * The same format and concurrency, measured bare and through the gateway.
   *
   * @param direct the call straight to the provider
   * @param gateway the same call through the gateway
   */
  record Comparison(ScenarioResult direct, ScenarioResult gateway) {
    ResponseFormat format() {
      return direct.scenario().format();
    }

    int concurrency() {
      return direct.scenario().concurrency();
    }
  }

  MarkdownReport(BenchmarkSettings settings, MachineFacts machine, List<Comparison> comparisons) {
    this.settings = settings;
    this.machine = machine;
    this.comparisons = List.copyOf(comparisons);
  }

  String render() {
    StringBuilder out = new StringBuilder();
    out.append("## Gateway overhead: direct to the provider vs. through Switchboard\n\n")
        .append("- Machine: ")
        .append(machine.cores())
        .append(" cores, ")
        .append(machine.cpu())
        .append(", ")
        .append(machine.os())
        .append('\n')
        .append("- JVM (driver): ")
        .append(machine.jvm())
        .append('\n')
        .append("- Load average (1 min) before the run: ")
        .append(String.format(Locale.ROOT, "%.2f", machine.loadAverage()))
        .append('\n')
        .append("- JIT warm-up before the first scenario: ")
        .append(seconds(settings.jitWarmUp()))
        .append(" in all, unmeasured\n")
        .append("- Closed loop per scenario: ")
        .append(seconds(settings.warmUp()))
        .append(" warm-up, ")
        .append(seconds(settings.measure()))
        .append(" measured; HTTP/1.1 keep-alive, 127.0.0.1\n")
        .append("- Latencies in ms; for SSE p50/p99 are to the last byte of the stream. ")
        .append("Added = gateway percentile − direct percentile.\n\n");
    out.append(
            "| scenario | C | direct req | direct req/s | direct p50 | direct p99"
                + " | gateway req | gateway req/s | gateway p50 | gateway p99"
                + " | added p50 | added p99 | req/s gateway/direct | errors d/g |\n")
        .append("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for (Comparison row : comparisons) {
      Latencies direct = row.direct().totals();
      Latencies gateway = row.gateway().totals();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d | %.1f | %s | %s | %d | %.1f | %s | %s | %s | %s | %.3f | %d/%d |\n",
              row.format(),
              row.concurrency(),
              direct.count(),
              row.direct().throughput(),
              millis(direct.percentile(50)),
              millis(direct.percentile(99)),
              gateway.count(),
              row.gateway().throughput(),
              millis(gateway.percentile(50)),
              millis(gateway.percentile(99)),
              millis(gateway.percentile(50) - direct.percentile(50)),
              millis(gateway.percentile(99) - direct.percentile(99)),
              row.gateway().throughput() / row.direct().throughput(),
              row.direct().errors(),
              row.gateway().errors()));
    }
    List<Comparison> streams =
        comparisons.stream().filter(row -> row.format() == ResponseFormat.SSE).toList();
    if (!streams.isEmpty()) {
      out.append("\nSSE time to first event (ms):\n\n")
          .append(
              "| C | direct p50 | direct p99 | gateway p50 | gateway p99 | added p50 | added p99 |\n")
          .append("|--:|--:|--:|--:|--:|--:|--:|\n");
      for (Comparison row : streams) {
        Latencies direct = row.direct().firstEvents();
        Latencies gateway = row.gateway().firstEvents();
        out.append(
            String.format(
                Locale.ROOT,
                "| %d | %s | %s | %s | %s | %s | %s |\n",
                row.concurrency(),
                millis(direct.percentile(50)),
                millis(direct.percentile(99)),
                millis(gateway.percentile(50)),
                millis(gateway.percentile(99)),
                millis(gateway.percentile(50) - direct.percentile(50)),
                millis(gateway.percentile(99) - direct.percentile(99))));
      }
    }
    return out.toString();
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1e3);
  }
}
