package dev.switchboard.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Renders a run as Markdown: the machine, then one row per format, concurrency and target (the bare
 * call, the nginx hop, the gateway), then the gateway beside the nginx floor as ratios, then the
 * time to first event of the streams. With several runs every figure is the median of the runs, and
 * the ratios give their spread.
 */
final class MarkdownReport {
  private final BenchmarkSettings settings;
  private final MachineFacts machine;
  private final Map<String, List<Cell>> cells;

  /**
   * One format and concurrency, measured once against every target.
   *
   * @param format JSON or SSE
   * @param concurrency the concurrent workers
   * @param byTarget each target's result, by {@link Target#name()}, in the order they ran
   */
  record Cell(ResponseFormat format, int concurrency, Map<String, ScenarioResult> byTarget) {
    ScenarioResult of(String target) {
      return byTarget.get(target);
    }
  }

  /**
   * @param cells every run's cells; those of the same format and concurrency are summarised
   *     together
   */
  MarkdownReport(BenchmarkSettings settings, MachineFacts machine, List<Cell> cells) {
    this.settings = settings;
    this.machine = machine;
    this.cells = new LinkedHashMap<>();
    for (Cell cell : cells) {
      this.cells
          .computeIfAbsent(cell.format() + " " + cell.concurrency(), key -> new ArrayList<>())
          .add(cell);
    }
  }

  String render() {
    StringBuilder out = new StringBuilder();
    out.append("## Gateway overhead: direct, through a bare nginx hop, through Switchboard\n\n")
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
        .append("- Runs: ")
        .append(settings.runs())
        .append(
            settings.runs() > 1
                ? "; every figure is the median of the runs, the ratios give [min–max]\n"
                : "\n")
        .append("- Latencies in ms; for SSE p50/p99 are to the last byte of the stream. ")
        .append("CPU: utime+stime of the server's process (nginx: master and workers) over the")
        .append(" measured period, per successful request, in µs; `own` is the target's server")
        .append(" (the fake for direct), `fake` the fake's behind it.\n\n");
    out.append("| scenario | C | target | req | req/s | p50 | p99 | own CPU µs/req")
        .append(" | fake CPU µs/req | errors |\n")
        .append("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (List<Cell> runs : cells.values()) {
      Cell first = runs.getFirst();
      for (ScenarioResult result : first.byTarget().values()) {
        String target = result.scenario().target().name();
        String server = result.scenario().target().server();
        out.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %s | %d | %.1f | %s | %s | %s | %s | %d |\n",
                first.format(),
                first.concurrency(),
                target,
                Math.round(median(runs, cell -> cell.of(target).totals().count())),
                median(runs, cell -> cell.of(target).throughput()),
                millis(median(runs, cell -> cell.of(target).totals().percentile(50))),
                millis(median(runs, cell -> cell.of(target).totals().percentile(99))),
                micros(median(runs, cell -> cell.of(target).cpuMicrosPerRequest(server))),
                micros(median(runs, cell -> cell.of(target).cpuMicrosPerRequest(Target.FAKE))),
                runs.stream().mapToLong(cell -> cell.of(target).errors()).sum()));
      }
    }
    out.append("\nThe gateway beside the floor (gateway ÷ nginx hop; CPU is each one's own):\n\n")
        .append("| scenario | C | req/s gateway/nginx | CPU per request gateway/nginx")
        .append(" | p99 gateway/nginx | req/s nginx/direct | req/s gateway/direct |\n")
        .append("|---|--:|--:|--:|--:|--:|--:|\n");
    for (List<Cell> runs : cells.values()) {
      Cell first = runs.getFirst();
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %s | %s | %s | %s | %s |\n",
              first.format(),
              first.concurrency(),
              spread(runs, cell -> ratio(cell, "gateway", "nginx", ScenarioResult::throughput)),
              spread(
                  runs,
                  cell ->
                      cell.of("gateway").cpuMicrosPerRequest("gateway")
                          / cell.of("nginx").cpuMicrosPerRequest("nginx")),
              spread(
                  runs,
                  cell ->
                      ratio(cell, "gateway", "nginx", result -> result.totals().percentile(99))),
              spread(runs, cell -> ratio(cell, "nginx", "direct", ScenarioResult::throughput)),
              spread(runs, cell -> ratio(cell, "gateway", "direct", ScenarioResult::throughput))));
    }
    List<List<Cell>> streams =
        cells.values().stream()
            .filter(runs -> runs.getFirst().format() == ResponseFormat.SSE)
            .toList();
    if (!streams.isEmpty()) {
      out.append("\nSSE time to first event (ms; added = the target's percentile − direct's):\n\n")
          .append("| C | target | p50 | p99 | added p50 | added p99 |\n")
          .append("|--:|---|--:|--:|--:|--:|\n");
      for (List<Cell> runs : streams) {
        for (String target : runs.getFirst().byTarget().keySet()) {
          double p50 = median(runs, cell -> cell.of(target).firstEvents().percentile(50));
          double p99 = median(runs, cell -> cell.of(target).firstEvents().percentile(99));
          double directP50 = median(runs, cell -> cell.of("direct").firstEvents().percentile(50));
          double directP99 = median(runs, cell -> cell.of("direct").firstEvents().percentile(99));
          out.append(
              String.format(
                  Locale.ROOT,
                  "| %d | %s | %s | %s | %s | %s |\n",
                  runs.getFirst().concurrency(),
                  target,
                  millis(p50),
                  millis(p99),
                  millis(p50 - directP50),
                  millis(p99 - directP99)));
        }
      }
    }
    return out.toString();
  }

  private static double ratio(
      Cell cell, String over, String under, ToDoubleFunction<ScenarioResult> figure) {
    return figure.applyAsDouble(cell.of(over)) / figure.applyAsDouble(cell.of(under));
  }

  /** The median of one figure over the runs (the mean of the middle two for an even count). */
  static double median(List<Cell> runs, ToDoubleFunction<Cell> figure) {
    double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
    int middle = values.length / 2;
    return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  }

  /**
   * A ratio's median, and with several runs its smallest and largest, as {@code 0.07 [0.06–0.08]}.
   */
  private static String spread(List<Cell> runs, ToDoubleFunction<Cell> figure) {
    String median = String.format(Locale.ROOT, "%.3f", median(runs, figure));
    if (runs.size() == 1) {
      return median;
    }
    double[] values = runs.stream().mapToDouble(figure).sorted().toArray();
    return String.format(
        Locale.ROOT, "%s [%.3f–%.3f]", median, values[0], values[values.length - 1]);
  }

  private static String millis(double nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static String micros(double value) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%.1f", value);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1e3);
  }
}
