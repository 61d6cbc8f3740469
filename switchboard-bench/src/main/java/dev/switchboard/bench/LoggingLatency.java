package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.ChatRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What the request log adds to one request, in process (no HTTP): the engine with the offline
 * {@code mock} provider, one thread, per call, with no request log and then with the request log's
 * sink storing in an embedded DuckDB file (and, when a PostgreSQL server answers on 127.0.0.1:5432,
 * in PostgreSQL), at the gateway's default queue capacity and batch size, then with no request log
 * again (the JIT has then compiled every path, which the first row's code had not). The request
 * path only offers each record to a queue; the writer thread stores them beside it, so what the
 * table shows is the offer plus the writer's competition for the CPU. After each run it prints how
 * many records were written and dropped. Not a test: it prints a Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.LoggingLatency
 * [warm-up calls] [measured calls]</pre>
 */
public final class LoggingLatency {
  private LoggingLatency() {}

  public static void main(String[] args) throws IOException {
    int warmup = LatencyHarness.count(args, 0, 20_000);
    int measured = LatencyHarness.count(args, 1, 20_000);
    LatencyHarness.printSetup(warmup, measured);
    System.out.println(
        "| scenario | "
            + LatencyHarness.MICROSECONDS_HEADER
            + " | records written | dropped | store failures |");
    System.out.println(
        "| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " | ---: | ---: | ---: |");
    try (Gateway gateway = Gateway.builder().build()) {
      report("no request log", time(gateway, warmup, measured), null);
    }
    Path directory = Files.createTempDirectory("switchboard-bench-log");
    try {
      run("request log, embedded DuckDB", () -> LogStore.embedded(directory), warmup, measured);
    } finally {
      deleteRecursively(directory);
    }
    String postgres;
    try {
      postgres = TestPostgres.freshSchemaUrl();
    } catch (IllegalStateException none) {
      System.out.println("\n(no PostgreSQL on 127.0.0.1:5432: the PostgreSQL scenario skipped)");
      return;
    }
    run("request log, PostgreSQL", () -> LogStore.postgres(postgres, 1000), warmup, measured);
    // Again, now that the JIT has seen every path: the first row ran on the least compiled code.
    try (Gateway gateway = Gateway.builder().build()) {
      report("no request log, again", time(gateway, warmup, measured), null);
    }
    System.out.println("\nPostgreSQL rows were written to " + postgres);
  }

  private static void run(String scenario, Supplier<LogStore> stores, int warmup, int measured) {
    ObservabilitySettings defaults = ObservabilitySettings.defaults();
    LogStore store = stores.get();
    RequestLog log =
        new RequestLog(
            store,
            defaults.queueCapacity(),
            defaults.batchSize(),
            defaults.flushInterval(),
            defaults.retryPause());
    Latencies latencies;
    try (Gateway gateway = Gateway.builder().recordSink(log).build()) {
      latencies = time(gateway, warmup, measured);
    }
    log.close(); // writes the backlog, so the counters below are final
    store.close();
    report(scenario, latencies, log.statistics());
  }

  private static Latencies time(Gateway gateway, int warmup, int measured) {
    RequestOptions options = RequestOptions.builder().provider("mock").build();
    ChatRequest request = ask();
    return LatencyHarness.measure(warmup, measured, i -> gateway.chat(request, options));
  }

  private static void report(String scenario, Latencies latencies, RequestLog.Statistics log) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s |%n",
        scenario,
        LatencyHarness.microseconds(latencies),
        log == null ? "-" : Long.toString(log.written()),
        log == null ? "-" : Long.toString(log.dropped()),
        log == null ? "-" : Long.toString(log.storeFailures()));
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static ChatRequest ask() {
    return LatencyHarness.userTurn("Summarise the meeting notes in three bullet points.");
  }
}
