package dev.switchboard.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.testkit.TestPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What the request log's writer costs per record: records shaped as the load benchmark's (no
 * bodies, two metadata pairs, one attempt, UUIDv7 ids) are offered to a real {@link RequestLog}
 * with the gateway's default settings, at a steady rate (the load benchmark's order of magnitude by
 * default), and stored by its writer thread in a real store: an embedded DuckDB file in a temporary
 * directory, then PostgreSQL on 127.0.0.1:5432 (a fresh schema) when one answers.
 *
 * <p>Per store: a warm-up of a quarter of the records (unmeasured, so the JIT and the store's
 * caches are warm), then the measured records, and after the last one the wait until the writer has
 * written them all. It prints, per record:
 *
 * <ul>
 *   <li>the writer thread's CPU ({@link ThreadMXBean#getThreadCpuTime}, user and system), which is
 *       what the budget counts;
 *   <li>the process's CPU ({@code OperatingSystemMXBean.getProcessCpuTime}) less the feeding
 *       thread's own and less the process's idle rate over the same time (measured for two seconds
 *       before the feed): it adds what the writer's work causes on other threads (DuckDB's own
 *       native threads, which a thread MXBean does not see, the garbage collector, the JIT);
 * </ul>
 *
 * <p>and the records written a second while the feed ran, the drops, the store's refusals and the
 * mean batch; then the process's memory once the last record is written: its peak and current
 * resident memory ({@code /proc/self/status}), the heap the JVM has committed, what is resident
 * beyond what the JVM's native memory tracking accounts for (run with {@code
 * -XX:NativeMemoryTracking=summary}; mostly DuckDB's allocations and its library's code), and what
 * DuckDB itself says it holds ({@code duckdb_memory()}, its largest tags). Not a test: it prints a
 * Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.LogWriterCost
 * [records, 100000] [records a second, 4000; 0 = as fast as the writer takes them]
 * [stores: duckdb,postgres] [batch size, the default's] [flush interval in ms, the default's]</pre>
 */
public final class LogWriterCost {
  private static final String WRITER_THREAD = "request-log-writer";

  private LogWriterCost() {}

  public static void main(String[] args) throws Exception {
    int records = LatencyHarness.count(args, 0, 100_000);
    int rate = LatencyHarness.count(args, 1, 4_000);
    List<String> stores = List.of((args.length > 2 ? args[2] : "duckdb,postgres").split(","));
    ObservabilitySettings defaults = ObservabilitySettings.defaults();
    int batchSize = LatencyHarness.count(args, 3, defaults.batchSize());
    Duration flushInterval =
        Duration.ofMillis(LatencyHarness.count(args, 4, (int) defaults.flushInterval().toMillis()));
    System.out.printf(
        Locale.ROOT,
        "%d records per store at %s, after %d unmeasured; batches of at most %d, flush interval %d"
            + " ms; %d cores, load average %.2f%n%n",
        records,
        rate == 0 ? "the writer's pace" : rate + " records/s",
        records / 4,
        batchSize,
        flushInterval.toMillis(),
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.println(
        "| store | writer CPU µs/record | process CPU µs/record | records/s written | written |"
            + " dropped | store failures | mean batch | peak RSS MB | RSS MB at the end |"
            + " heap committed MB | RSS outside the JVM's NMT MB | DuckDB's own MB |");
    System.out.println(
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (String store : stores) {
      switch (store.trim()) {
        case "duckdb" -> {
          Path directory = Files.createTempDirectory("switchboard-bench-writer");
          try {
            run(
                "embedded DuckDB",
                () -> LogStore.embedded(directory),
                new Feed(records, rate, batchSize, flushInterval));
          } finally {
            deleteRecursively(directory);
          }
        }
        case "postgres" -> {
          String url;
          try {
            url = TestPostgres.freshSchemaUrl();
          } catch (IllegalStateException none) {
            System.out.println("\n(no PostgreSQL on 127.0.0.1:5432: skipped)");
            continue;
          }
          run(
              "PostgreSQL",
              () -> LogStore.postgres(url, 1000),
              new Feed(records, rate, batchSize, flushInterval));
        }
        default -> throw new IllegalArgumentException("no store " + store);
      }
    }
  }

  /** What one run feeds the log, and the log's batch settings. */
  private record Feed(int records, int rate, int batchSize, Duration flushInterval) {}

  private static void run(String name, Supplier<LogStore> stores, Feed feed)
      throws InterruptedException {
    ObservabilitySettings defaults = ObservabilitySettings.defaults();
    int records = feed.records();
    int rate = feed.rate();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean process =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    LogStore store = stores.get();
    RequestLog log =
        new RequestLog(
            store,
            defaults.queueCapacity(),
            feed.batchSize(),
            feed.flushInterval(),
            defaults.retryPause());
    try {
      long writer = writerThreadId();
      feed(log, records / 4, rate);
      awaitSettled(log, records / 4);

      long idleStart = process.getProcessCpuTime();
      long idleFeeder = threads.getCurrentThreadCpuTime();
      long idleClock = System.nanoTime();
      Thread.sleep(2_000);
      double idleRate =
          (double)
                  (process.getProcessCpuTime()
                      - idleStart
                      - (threads.getCurrentThreadCpuTime() - idleFeeder))
              / (System.nanoTime() - idleClock);

      RequestLog.Statistics before = log.statistics();
      long writerStart = threads.getThreadCpuTime(writer);
      long processStart = process.getProcessCpuTime();
      long feederStart = threads.getCurrentThreadCpuTime();
      long clockStart = System.nanoTime();
      feed(log, records, rate);
      awaitSettled(log, records / 4 + records);
      long elapsed = System.nanoTime() - clockStart;
      long feederCpu = threads.getCurrentThreadCpuTime() - feederStart;
      long writerCpu = threads.getThreadCpuTime(writer) - writerStart;
      long processCpu =
          process.getProcessCpuTime() - processStart - feederCpu - (long) (idleRate * elapsed);
      RequestLog.Statistics after = log.statistics();
      long written = after.written() - before.written();
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %.1f | %.0f | %d | %d | %d | %s | %s | %s | %d | %s | %s |%n",
          name,
          writerCpu / 1e3 / records,
          processCpu / 1e3 / records,
          written / (elapsed / 1e9),
          written,
          after.dropped() - before.dropped(),
          after.storeFailures() - before.storeFailures(),
          after.batches() == before.batches()
              ? "-"
              : String.format(
                  Locale.ROOT, "%.0f", (double) written / (after.batches() - before.batches())),
          processStatus("VmHWM"),
          processStatus("VmRSS"),
          Math.round(
              ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1048576.0),
          outsideJvm(),
          storeMemory(store));
    } finally {
      log.close();
      store.close();
    }
  }

  /**
   * Offers {@code count} records at {@code rate} a second (0: all at once, as fast as possible).
   */
  private static void feed(RequestLog log, int count, int rate) {
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (rate > 0) {
        long due = start + (long) i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      log.accept(record(i));
    }
  }

  /**
   * A line of {@code /proc/self/status} (Linux) in MB: {@code VmHWM} is the process's peak resident
   * memory so far, {@code VmRSS} what is resident now; "-" elsewhere.
   */
  private static String processStatus(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field + ":")) {
          long kilobytes = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return Long.toString(Math.round(kilobytes / 1024.0));
        }
      }
    } catch (IOException | RuntimeException notLinux) {
      // no figure
    }
    return "-";
  }

  /**
   * The resident memory the JVM does not account for, in MB: {@code VmRSS} less the total the JVM's
   * native memory tracking says it committed (run with {@code -XX:NativeMemoryTracking=summary};
   * "-" without it). What is left is mostly the native libraries' own: DuckDB's allocations (what
   * its allocator keeps of freed memory too) and its library's mapped code.
   */
  private static String outsideJvm() {
    try {
      String summary =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                      "vmNativeMemory",
                      new Object[] {new String[] {"summary"}},
                      new String[] {String[].class.getName()});
      java.util.regex.Matcher total =
          java.util.regex.Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB")
              .matcher(summary);
      String rss = processStatus("VmRSS");
      if (!total.find() || rss.equals("-")) {
        return "-";
      }
      return Long.toString(
          Long.parseLong(rss) - Math.round(Long.parseLong(total.group(1)) / 1024.0));
    } catch (Exception notTracked) {
      return "-";
    }
  }

  /**
   * What DuckDB says it holds ({@code duckdb_memory()}: its buffer pool and allocations it tracks,
   * not what its allocator keeps of freed memory), in MB; "-" for another store.
   */
  private static String storeMemory(LogStore store) {
    if (store.kind() != LogStore.Kind.DUCKDB) {
      return "-";
    }
    try (Connection connection = store.connection();
        Statement statement = connection.createStatement();
        ResultSet tags =
            statement.executeQuery(
                "SELECT tag, memory_usage_bytes FROM duckdb_memory()"
                    + " WHERE memory_usage_bytes > 0 ORDER BY memory_usage_bytes DESC")) {
      long total = 0;
      StringBuilder largest = new StringBuilder();
      while (tags.next()) {
        long bytes = tags.getLong(2);
        total += bytes;
        if (bytes >= 1048576) {
          largest.append(largest.isEmpty() ? "" : ", ").append(tags.getString(1));
          largest.append(' ').append(Math.round(bytes / 1048576.0));
        }
      }
      return Math.round(total / 1048576.0) + (largest.isEmpty() ? "" : " (" + largest + ")");
    } catch (SQLException e) {
      return "-";
    }
  }

  private static void awaitSettled(RequestLog log, long total) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (true) {
      RequestLog.Statistics statistics = log.statistics();
      if (statistics.written() + statistics.dropped() >= total) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the writer did not settle in 5 minutes: " + statistics);
      }
      Thread.sleep(5);
    }
  }

  private static long writerThreadId() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals(WRITER_THREAD))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no thread named " + WRITER_THREAD))
        .threadId();
  }

  /**
   * A record as the load benchmark's requests leave: a JSON chat call answered by one attempt (also
   * {@link HotPathBenchmark}'s).
   */
  static RequestRecord record(int i) {
    Instant now = Instant.now();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (now.toEpochMilli() << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    String id = new UUID(high, low).toString();
    double latency = 0.4 + random.nextDouble();
    return new RequestRecord(
        id,
        UUID.randomUUID().toString(),
        null,
        now,
        "POST",
        "/v1/chat/completions",
        null,
        null,
        null,
        "gpt-4o-mini",
        "openai",
        "gpt-4o-mini-2024-07-18",
        null,
        0,
        false,
        "DISABLED",
        null,
        200,
        null,
        12 + i % 7,
        9,
        0,
        new BigDecimal("0.0000072"),
        null,
        latency,
        null,
        false,
        null,
        Map.of("team", "team-" + i % 5, "env", "bench"),
        null,
        List.of(
            new AttemptRecord(
                0, "openai", "gpt-4o-mini", null, 0, now, latency - 0.1, 200, null, "DISABLED", 0)),
        null,
        null,
        null,
        List.of(),
        null,
        null);
  }

  private static void deleteRecursively(Path directory) {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      System.err.println("could not delete " + directory + ": " + e);
    }
  }
}
