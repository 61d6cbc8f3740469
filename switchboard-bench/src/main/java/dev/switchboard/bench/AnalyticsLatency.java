package dev.switchboard.bench;

import dev.switchboard.observe.analytics.Analytics;
import dev.switchboard.observe.analytics.AnalyticsQuery;
import dev.switchboard.observe.analytics.FeedbackLog;
import dev.switchboard.observe.analytics.LogExport;
import dev.switchboard.observe.analytics.LogQuery;
import dev.switchboard.observe.analytics.LogSearch;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.testkit.TestPostgres;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * How long the request log's reads take over a day of records: the analytics ({@code GET
 * /v1/analytics}) by cohort, a page of a filtered search ({@code GET /v1/logs}), and an export's
 * throughput, on the embedded DuckDB store and (when one answers on 127.0.0.1:5432) PostgreSQL. The
 * records are made by the store itself ({@code INSERT … SELECT} over {@code generate_series}),
 * spread evenly over 24 hours. Not a test: it prints a Markdown table.
 *
 * <pre>java -cp switchboard-bench/target/switchboard-bench.jar
 * dev.switchboard.bench.AnalyticsLatency [records]</pre>
 */
public final class AnalyticsLatency {
  private static final long END = Instant.parse("2026-06-02T00:00:00Z").toEpochMilli();
  private static final long DAY = 86_400_000L;
  private static final int RUNS = 5;

  private AnalyticsLatency() {}

  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    System.out.printf(
        "%d records over 24 h, %d measured runs after one warm-up, %s %s%n%n",
        records, RUNS, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.println("| store | query | median ms | slowest ms |");
    System.out.println("| --- | --- | ---: | ---: |");
    Path directory = Files.createTempDirectory("switchboard-analytics-bench");
    try (LogStore duckdb = LogStore.embedded(directory)) {
      run("duckdb", duckdb, records);
    }
    String postgres;
    try {
      postgres = TestPostgres.freshSchemaUrl();
    } catch (IllegalStateException none) {
      System.out.println("\n(no PostgreSQL on 127.0.0.1:5432: skipped)");
      return;
    }
    try (LogStore store = LogStore.postgres(postgres, 2000)) {
      run("postgresql", store, records);
    }
  }

  private static void run(String name, LogStore store, int records) throws Exception {
    seed(store, records);
    Clock clock = Clock.fixed(Instant.ofEpochMilli(END), ZoneOffset.UTC);
    Analytics analytics = new Analytics(store);
    LogSearch search = new LogSearch(store, new FeedbackLog(store, clock));
    String day = "&from=" + (END - DAY) + "&to=" + END;
    for (String query :
        List.of(
            "bucket=15m&group_by=none",
            "bucket=1h&group_by=provider",
            "bucket=1h&group_by=metadata.team",
            "bucket=1m&group_by=model")) {
      AnalyticsQuery parsed = AnalyticsQuery.parse(parameters(query + day), clock);
      report(name, "analytics " + query, time(i -> analytics.run(parsed)));
    }
    LogQuery page = LogQuery.parse(parameters("provider=openai&status=5xx&limit=50"));
    report(name, "logs page: provider=openai&status=5xx", time(i -> search.search(page)));
    LogQuery deep = LogQuery.parse(parameters("metadata.team=search&limit=1000"));
    report(name, "logs page: metadata.team=search, 1000", time(i -> search.search(deep)));
    LogExport.Request export = LogExport.Request.parse(parameters("format=csv"));
    long[] exported = new long[1];
    double[] exportMs =
        time(i -> exported[0] = LogExport.write(search, export, OutputStream.nullOutputStream()));
    report(name, "export csv, all " + exported[0] + " records", exportMs);
  }

  /** {@code a=1&b=2} as the query parameters a route reads. */
  private static Map<String, List<String>> parameters(String query) {
    Map<String, List<String>> parameters = new java.util.LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      parameters.put(pair.substring(0, equals), List.of(pair.substring(equals + 1)));
    }
    return parameters;
  }

  private static void seed(LogStore store, int records) throws SQLException {
    long step = DAY / records;
    String start = String.valueOf(END - DAY);
    String requests =
        "INSERT INTO requests (id, trace_id, started_at_ms, method, path, provider, model,"
            + " option_path, retries, fallback_used, cache_status, cache_age_seconds, status,"
            + " error_type, prompt_tokens, completion_tokens, cached_tokens, cost_usd, latency_ms,"
            + " ttft_ms, streamed, metadata)"
            + " SELECT 'r-' || CAST(i AS VARCHAR), 't-' || CAST(i % 50000 AS VARCHAR), "
            + start
            + " + i * "
            + step
            + ", 'POST', '/v1/chat/completions',"
            + " CASE i % 3 WHEN 0 THEN 'openai' WHEN 1 THEN 'anthropic' ELSE 'bedrock' END,"
            + " CASE i % 4 WHEN 0 THEN 'gpt-4o-mini' WHEN 1 THEN 'gpt-4o' WHEN 2 THEN 'claude'"
            + " ELSE 'titan' END, 'config', i % 3, i % 7 = 0,"
            + " CASE WHEN i % 5 = 0 THEN 'HIT' ELSE 'MISS' END,"
            + " CASE WHEN i % 5 = 0 THEN i % 3600 END,"
            + " CASE WHEN i % 20 = 0 THEN 503 ELSE 200 END,"
            + " CASE WHEN i % 20 = 0 THEN 'provider_error' END,"
            + " i % 2000, i % 700, i % 90, CAST(i % 1000 AS DECIMAL(20, 10)) / 1000000,"
            + " 5 + (i * 7919) % 5000, CASE WHEN i % 2 = 0 THEN 1 + (i * 31) % 400 END,"
            + " i % 2 = 0, '{}'"
            + " FROM generate_series(0, "
            + (records - 1)
            + ") AS g(i)";
    String metadata =
        "INSERT INTO request_metadata (request_id, started_at_ms, key, value)"
            + " SELECT 'r-' || CAST(i AS VARCHAR), "
            + start
            + " + i * "
            + step
            + ", 'team', CASE i % 3 WHEN 0 THEN 'search' WHEN 1 THEN 'billing' ELSE 'support' END"
            + " FROM generate_series(0, "
            + (records - 1)
            + ") AS g(i)";
    try (Connection connection = store.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(requests);
      statement.execute(metadata);
    }
  }

  /** The median and slowest of {@link #RUNS} runs after one warm-up, in milliseconds. */
  private static double[] time(LatencyHarness.Call<Exception> query) throws Exception {
    Latencies runs = LatencyHarness.measure(1, RUNS, query);
    return new double[] {runs.percentile(50) / 1e6, runs.percentile(100) / 1e6};
  }

  private static void report(String store, String query, double[] millis) {
    System.out.printf("| %s | %s | %.1f | %.1f |%n", store, query, millis[0], millis[1]);
  }
}
