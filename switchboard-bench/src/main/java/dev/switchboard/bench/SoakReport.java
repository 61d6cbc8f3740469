package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * A soak run's summary: what the clients saw, what the provider saw, what the gateway answered (its
 * metrics), its request log, the trends of the process's resources after the warm-up, and the
 * health probes' latencies. Rendered as Markdown, and written as JSON with the samples as CSV.
 */
final class SoakReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What the fake provider saw.
   *
   * @param requests calls it received
   * @param leftWhileWaiting answers it stopped because the gateway closed the connection while the
   *     answer waited (before its first byte or between two events; a stream stopped between two
   *     events is counted in {@code abortedStreams} too)
   * @param abortedStreams streams it stopped because the gateway closed the connection: a client's
   *     departure reached the provider
   */
  record Upstream(long requests, long leftWhileWaiting, long abortedStreams) {}

  /**
   * The health probes' latencies, in milliseconds; {@code p99OutsideForcedGc} leaves out the probes
   * under way while a sample forced a full collection (a pause the run itself causes).
   */
  record HealthFigures(
      int probes,
      long failures,
      double p50,
      double p90,
      double p99,
      double max,
      int probesOutsideForcedGc,
      double p99OutsideForcedGc) {

    static HealthFigures of(
        List<HealthProbe.Probe> probes, List<ProcessSampler.Sample> forcedCollections) {
      long[] all = probes.stream().mapToLong(HealthProbe.Probe::latencyNanos).toArray();
      long[] outside =
          probes.stream()
              .filter(probe -> forcedCollections.stream().noneMatch(gc -> overlaps(probe, gc)))
              .mapToLong(HealthProbe.Probe::latencyNanos)
              .toArray();
      Latencies latencies = Latencies.of(all);
      Latencies quiet = Latencies.of(outside);
      return new HealthFigures(
          all.length,
          probes.stream().filter(probe -> !probe.ok()).count(),
          latencies.percentile(50) / 1e6,
          latencies.percentile(90) / 1e6,
          latencies.percentile(99) / 1e6,
          latencies.percentile(100) / 1e6,
          outside.length,
          quiet.percentile(99) / 1e6);
    }

    private static boolean overlaps(HealthProbe.Probe probe, ProcessSampler.Sample gc) {
      return probe.sentNanos() < gc.gcEndedNanos()
          && probe.sentNanos() + probe.latencyNanos() > gc.gcStartedNanos();
    }
  }

  private final SoakSettings settings;
  private final MachineFacts machine;
  private final double trafficSeconds;
  private final List<SoakSample> samples;
  private final SoakTraffic.Tally clients;
  private final Upstream upstream;
  private final Map<String, Double> answeredByStatus;
  private final Map<String, Double> failuresByKind;
  private final JsonNode requestLog;
  private final HealthFigures health;
  private final List<String> gatewayErrors;
  private final int gatewayExitStatus;
  private final Map<String, Trend> trends;

  SoakReport(
      SoakSettings settings,
      MachineFacts machine,
      double trafficSeconds,
      List<SoakSample> samples,
      SoakTraffic.Tally clients,
      Upstream upstream,
      Map<String, Double> answeredByStatus,
      Map<String, Double> failuresByKind,
      JsonNode requestLog,
      HealthFigures health,
      List<String> gatewayErrors,
      int gatewayExitStatus) {
    this.settings = settings;
    this.machine = machine;
    this.trafficSeconds = trafficSeconds;
    this.samples = samples;
    this.clients = clients;
    this.upstream = upstream;
    this.answeredByStatus = answeredByStatus;
    this.failuresByKind = failuresByKind;
    this.requestLog = requestLog;
    this.health = health;
    this.gatewayErrors = gatewayErrors;
    this.gatewayExitStatus = gatewayExitStatus;
    this.trends = trends(samples, settings.warmUp().toMillis() / 60_000.0);
  }

  private static Map<String, Trend> trends(List<SoakSample> samples, double warmUpMinutes) {
    List<SoakSample> steady = samples.stream().filter(s -> s.minutes() >= warmUpMinutes).toList();
    Map<String, Trend> trends = new LinkedHashMap<>();
    if (steady.size() < 2) {
      return trends;
    }
    double[] minutes = steady.stream().mapToDouble(SoakSample::minutes).toArray();
    Map<String, ToDoubleFunction<SoakSample>> series = new LinkedHashMap<>();
    series.put("rss_mib", SoakSample::rssMib);
    series.put("heap_after_gc_mib", SoakSample::heapAfterGcMib);
    series.put("threads", SoakSample::threads);
    series.put("open_files", SoakSample::openFiles);
    series.forEach((name, value) ->
        trends.put(name, Trend.of(minutes, steady.stream().mapToDouble(value).toArray())));
    return trends;
  }

  /** Whether the run was clean: no client error, no record dropped, no failed health probe. */
  boolean clean() {
    return clients.errors() == 0
        && requestLog.path("dropped").asLong() == 0
        && health.failures() == 0;
  }

  /** Writes {@code soak-summary.md}, {@code soak-summary.json} and {@code soak-samples.csv}. */
  void write(Path directory) throws IOException {
    Files.writeString(directory.resolve("soak-summary.md"), markdown());
    JSON.writeValue(directory.resolve("soak-summary.json").toFile(), asJson());
    CsvMapper csv = new CsvMapper();
    csv.writer(csv.schemaFor(SoakSample.class).withHeader())
        .writeValue(directory.resolve("soak-samples.csv").toFile(), samples);
  }

  private Map<String, Object> asJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("duration_s", settings.duration().toSeconds());
    run.put("traffic_s", trafficSeconds);
    run.put("connections", settings.connections());
    run.put("cancel_share", settings.cancelShare());
    run.put("slow_share", settings.slowShare());
    run.put("slow_delay_s", settings.slowDelay().toMillis() / 1e3);
    run.put("event_gap_ms", settings.eventGap().toMillis());
    run.put("sample_every_s", settings.sampleEvery().toMillis() / 1e3);
    run.put("warm_up_s", settings.warmUp().toMillis() / 1e3);
    run.put("health_every_ms", settings.healthEvery().toMillis());
    run.put("machine", machine);
    json.put("run", run);
    Map<String, Object> clientFigures = new LinkedHashMap<>(clients.asMap());
    clientFigures.put("calls", clients.calls());
    clientFigures.put("calls_per_s", clients.calls() / trafficSeconds);
    clientFigures.put("first_errors", clients.firstErrors());
    json.put("clients", clientFigures);
    json.put("upstream", upstream);
    json.put("gateway_answered_by_status", answeredByStatus);
    json.put("gateway_failures_by_kind", failuresByKind);
    json.put("request_log", requestLog);
    json.put("trends_after_warm_up", trends);
    json.put("health", health);
    json.put("gateway_error_lines", gatewayErrors);
    json.put("gateway_exit_status", gatewayExitStatus);
    json.put("samples", samples);
    return json;
  }

  String markdown() {
    StringBuilder out = new StringBuilder();
    out.append("## Soak: ")
        .append(minutes(settings.duration()))
        .append(" at ")
        .append(settings.connections())
        .append(" connections\n\n")
        .append(
            line(
                "- Machine: %d cores, %s, %s; load average (1 min) before the run %.2f%n",
                machine.cores(), machine.cpu(), machine.os(), machine.loadAverage()))
        .append(line("- JVM (driver and fake; the gateway runs on the same): %s%n", machine.jvm()))
        .append(
            line(
                "- Calls: %.0f %% JSON, %.0f %% streams read whole, %.0f %% streams left after 1-5"
                    + " events; %.0f %% of calls wait %s at the provider; stream events %d ms"
                    + " apart%n",
                (1 - settings.cancelShare()) * 50,
                (1 - settings.cancelShare()) * 50,
                settings.cancelShare() * 100,
                settings.slowShare() * 100,
                seconds(settings.slowDelay()),
                settings.eventGap().toMillis()))
        .append(
            line(
                "- Sampled every %s; slopes from the samples after %s (least squares, per"
                    + " minute, ± the 95 %% confidence interval)%n%n",
                seconds(settings.sampleEvery()), seconds(settings.warmUp())));

    out.append("| figure | value |\n|---|--:|\n")
        .append(
            row("client calls", "%d (%.1f/s)", clients.calls(), clients.calls() / trafficSeconds))
        .append(
            row(
                "JSON / streams / left mid-stream",
                "%d / %d / %d",
                clients.jsonCalls(),
                clients.streams(),
                clients.cancelled()))
        .append(row("**errors**", "**%d**", clients.errors()))
        .append(row("gateway: answers by status (metrics)", "%s", counts(answeredByStatus)))
        .append(
            row(
                "gateway: requests by kind of failure (metrics, `error_type`)",
                "%s",
                failuresByKind.isEmpty() ? "none" : counts(failuresByKind)))
        .append(
            row(
                "provider: calls / streams stopped by a client's departure",
                "%d / %d",
                upstream.requests(),
                upstream.abortedStreams()))
        .append(
            row(
                "request log: accepted / written",
                "%d / %d",
                requestLog.path("accepted").asLong(),
                requestLog.path("written").asLong()))
        .append(row("**request log: dropped**", "**%d**", requestLog.path("dropped").asLong()))
        .append(
            row(
                "request log: most queued at a sample",
                "%d",
                samples.stream().mapToLong(SoakSample::logQueued).max().orElse(0)))
        .append(row("health probes / failed", "%d / %d", health.probes(), health.failures()))
        .append(
            row(
                "health p50 / p90 / **p99** / max (ms)",
                "%.2f / %.2f / **%.2f** / %.2f",
                health.p50(),
                health.p90(),
                health.p99(),
                health.max()))
        .append(
            row(
                "health p99 outside the forced collections (ms, of n probes)",
                "%.2f (%d)",
                health.p99OutsideForcedGc(),
                health.probesOutsideForcedGc()))
        .append(
            row(
                "forced full collection, jcmd call (ms, median of samples)",
                "%.0f",
                median(samples.stream().mapToDouble(SoakSample::forcedGcMillis).toArray())))
        .append(row("gateway ERROR lines", "%d", gatewayErrors.size()))
        .append(row("gateway exit status after SIGTERM", "%d", gatewayExitStatus));

    out.append("\n| gateway process | first | last | min | max | slope per minute | ± 95 % |\n")
        .append("|---|--:|--:|--:|--:|--:|--:|\n");
    Map<String, String> names =
        Map.of(
            "rss_mib", "RSS (MiB)",
            "heap_after_gc_mib", "heap after full GC (MiB)",
            "threads", "threads",
            "open_files", "open files");
    trends.forEach((name, trend) ->
        out.append(
            line(
                "| %s | %.1f | %.1f | %.1f | %.1f | %+.3f | %.3f |%n",
                names.get(name),
                trend.first(),
                trend.last(),
                trend.min(),
                trend.max(),
                trend.slopePerMinute(),
                trend.slopeHalfWidth())));
    if (clients.errors() > 0) {
      out.append("\n!!! ERRORS; the first:\n\n");
      clients.firstErrors().forEach(error -> out.append("- ").append(error).append('\n'));
    }
    if (!gatewayErrors.isEmpty()) {
      out.append("\nThe gateway's first ERROR lines:\n\n");
      gatewayErrors.stream()
          .limit(10)
          .forEach(error -> out.append("    ").append(error).append('\n'));
    }
    return out.toString();
  }

  private static String counts(Map<String, Double> counts) {
    StringBuilder out = new StringBuilder();
    counts.forEach((status, count) ->
        out.append(out.isEmpty() ? "" : ", ")
            .append(status)
            .append(": ")
            .append(String.format(Locale.ROOT, "%.0f", count)));
    return out.toString();
  }

  private static String row(String figure, String format, Object... values) {
    return "| " + figure + " | " + String.format(Locale.ROOT, format, values) + " |\n";
  }

  private static String line(String format, Object... values) {
    return String.format(Locale.ROOT, format, values);
  }

  private static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.0f s", duration.toMillis() / 1e3);
  }

  private static String minutes(Duration duration) {
    return duration.toSeconds() % 60 == 0
        ? duration.toMinutes() + " min"
        : duration.toSeconds() + " s";
  }
}
