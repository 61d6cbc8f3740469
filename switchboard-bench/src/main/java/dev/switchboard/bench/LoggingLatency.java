package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    System.out.printf(
        "%d warm-up and %d measured calls per scenario, one thread, %s %s%n%n",
        warmup, measured, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.println(
        "| scenario | median µs | p90 µs | p99 µs | records written | dropped | store failures |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
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
    long[] sorted;
    try (Gateway gateway = Gateway.builder().recordSink(log).build()) {
      sorted = time(gateway, warmup, measured);
    }
    log.close(); // writes the backlog, so the counters below are final
    store.close();
    report(scenario, sorted, log.statistics());
  }

  private static long[] time(Gateway gateway, int warmup, int measured) {
    RequestOptions options = RequestOptions.builder().provider("mock").build();
    ChatRequest request = ask();
    for (int i = 0; i < warmup; i++) {
      gateway.chat(request, options);
    }
    long[] nanos = new long[measured];
    for (int i = 0; i < measured; i++) {
      long start = System.nanoTime();
      gateway.chat(request, options);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static void report(String scenario, long[] sorted, RequestLog.Statistics log) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f | %s | %s | %s |%n",
        scenario,
        sorted[sorted.length / 2] / 1000.0,
        sorted[(int) (sorted.length * 0.90)] / 1000.0,
        sorted[(int) (sorted.length * 0.99)] / 1000.0,
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
    return new ChatRequest(
        "mock-chat",
        List.of(new ChatMessage.User("Summarise the meeting notes in three bullet points.")),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
