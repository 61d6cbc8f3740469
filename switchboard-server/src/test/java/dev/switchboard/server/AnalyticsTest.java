package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code GET /v1/analytics} over a controlled set of records, on both stores (the embedded DuckDB
 * file and PostgreSQL run the same SQL): every figure of every bucket and cohort equals what this
 * test computes from the records it wrote and the feedback it sent, percentiles included (linear
 * interpolation between the closest ranks, as {@code percentile_cont} defines them).
 */
class AnalyticsTest {
  /** 2026-01-01T00:00:00Z: a minute, hour and day boundary. */
  static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

  static final List<String> PROVIDERS = List.of("openai", "anthropic", "bedrock");
  static final List<String> MODELS = List.of("gpt-4o-mini", "claude-3-5-haiku", "titan");
  static final List<Integer> STATUSES = List.of(200, 200, 200, 200, 200, 246, 429, 500, 446);
  static final List<String> CACHE = List.of("MISS", "HIT", "SEMANTIC HIT", "DISABLED");

  @TempDir Path data;
  GatewayUnderTest gateway;
  final List<RequestRecord> records = new ArrayList<>();
  final Map<String, List<double[]>> feedbackByTrace = new HashMap<>();

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  void start(String store) throws Exception {
    gateway = GatewayUnderTest.withRequestLogIn(store, data);
    Random random = new Random(7);
    for (int i = 0; i < 120; i++) {
      records.add(randomRecord(random, T0 + random.nextInt(10 * 60_000), "trace-" + (i % 100)));
    }
    // The last millisecond of a minute and the first of the next: two buckets.
    records.add(randomRecord(random, T0 + 59_999, "edge-1"));
    records.add(randomRecord(random, T0 + 60_000, "edge-2"));
    // Outside the range asked about: never counted.
    records.add(randomRecord(random, T0 - 1, "before"));
    records.add(randomRecord(random, T0 + 10 * 60_000, "after"));
    gateway.server.observability().requestLog().store().write(records);
    for (int i = 0; i < 40; i++) {
      String trace = "trace-" + random.nextInt(110);
      int value = random.nextInt(21) - 10;
      double weight = random.nextInt(5) / 4.0;
      var saved =
          gateway.postJson(
              "/v1/feedback",
              "{\"trace_id\":\"" + trace + "\",\"value\":" + value + ",\"weight\":" + weight + "}");
      assertThat(saved.statusCode()).isEqualTo(200);
      feedbackByTrace
          .computeIfAbsent(trace, t -> new ArrayList<>())
          .add(new double[] {value, weight});
    }
  }

  static RequestRecord randomRecord(Random random, long startedAtMs, String trace) {
    int status = STATUSES.get(random.nextInt(STATUSES.size()));
    boolean success = status >= 200 && status < 300;
    String cache = CACHE.get(random.nextInt(CACHE.size()));
    boolean hit = cache.contains("HIT");
    boolean streamed = random.nextBoolean();
    double latency = 5 + random.nextInt(5_000_000) / 1000.0;
    Map<String, String> metadata =
        switch (random.nextInt(3)) {
          case 0 -> Map.of("team", "search");
          case 1 -> Map.of("team", "billing", "_user", "u" + random.nextInt(3));
          default -> Map.of();
        };
    Instant started = Instant.ofEpochMilli(startedAtMs);
    String provider = PROVIDERS.get(random.nextInt(PROVIDERS.size()));
    return new RequestRecord(
        UUID.randomUUID().toString(),
        trace,
        null,
        started,
        "POST",
        random.nextInt(4) == 0 ? "/v1/embeddings" : "/v1/chat/completions",
        null,
        null,
        random.nextBoolean() ? "inline:0123456789ab" : null,
        "gpt-4o-mini",
        provider,
        MODELS.get(random.nextInt(MODELS.size())),
        "config.targets[" + random.nextInt(2) + "]",
        random.nextInt(3),
        random.nextInt(5) == 0,
        cache,
        hit ? (long) random.nextInt(3600) : null,
        status,
        success ? null : "provider_error",
        success ? random.nextInt(2000) : null,
        success ? random.nextInt(800) : null,
        success ? random.nextInt(100) : null,
        success ? (hit ? BigDecimal.ZERO : BigDecimal.valueOf(random.nextInt(1_000_000), 8)) : null,
        null,
        latency,
        streamed ? latency * random.nextDouble() : null,
        streamed,
        streamed ? RequestRecord.StreamEnd.COMPLETED : null,
        metadata,
        null,
        List.of(
            new AttemptRecord(
                0, provider, "m", "config", 0, started, latency, status, null, cache, 0)),
        null,
        null,
        null,
        List.of(),
        null,
        null);
  }

  /** What this test expects of one bucket and cohort, computed from the records themselves. */
  void assertMetrics(JsonNode row, List<RequestRecord> cohort) {
    long requests = cohort.size();
    long errors = cohort.stream().filter(r -> !r.succeeded()).count();
    long fallbacks = cohort.stream().filter(RequestRecord::fallbackUsed).count();
    long hits = cohort.stream().filter(r -> r.cacheStatus().contains("HIT")).count();
    assertThat(row.path("requests").asLong()).isEqualTo(requests);
    assertThat(row.path("errors").asLong()).isEqualTo(errors);
    assertThat(row.path("error_rate").asDouble())
        .isCloseTo((double) errors / requests, within(1e-12));
    assertThat(row.path("fallbacks").asLong()).isEqualTo(fallbacks);
    assertThat(row.path("fallback_rate").asDouble())
        .isCloseTo((double) fallbacks / requests, within(1e-12));
    assertThat(row.path("retries").asLong())
        .isEqualTo(cohort.stream().mapToLong(RequestRecord::retries).sum());
    assertThat(row.path("cache_hits").asLong()).isEqualTo(hits);
    assertThat(row.path("cache_hit_rate").asDouble())
        .isCloseTo((double) hits / requests, within(1e-12));
    List<Double> ages =
        cohort.stream()
            .filter(r -> r.cacheStatus().contains("HIT"))
            .map(r -> (double) r.cacheAgeSeconds())
            .toList();
    assertNullableClose(
        row.path("cache_age_avg_seconds"),
        ages.isEmpty() ? null : ages.stream().mapToDouble(d -> d).average().orElseThrow());
    assertThat(row.path("prompt_tokens").asLong())
        .isEqualTo(sum(cohort, RequestRecord::promptTokens));
    assertThat(row.path("completion_tokens").asLong())
        .isEqualTo(sum(cohort, RequestRecord::completionTokens));
    assertThat(row.path("cached_tokens").asLong())
        .isEqualTo(sum(cohort, RequestRecord::cachedTokens));
    BigDecimal cost =
        cohort.stream()
            .map(RequestRecord::costUsd)
            .filter(Objects::nonNull)
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(row.path("cost_usd").decimalValue()).isEqualByComparingTo(cost);
    List<Double> latencies = cohort.stream().map(RequestRecord::latencyMs).toList();
    List<Double> ttfts =
        cohort.stream().map(RequestRecord::ttftMs).filter(Objects::nonNull).toList();
    assertNullableClose(row.path("latency_p50_ms"), percentile(latencies, 0.5));
    assertNullableClose(row.path("latency_p95_ms"), percentile(latencies, 0.95));
    assertNullableClose(row.path("latency_p99_ms"), percentile(latencies, 0.99));
    assertNullableClose(row.path("ttft_p50_ms"), percentile(ttfts, 0.5));
    assertNullableClose(row.path("ttft_p99_ms"), percentile(ttfts, 0.99));
    Set<String> traces = new LinkedHashSet<>();
    cohort.forEach(r -> traces.add(r.traceId()));
    List<double[]> feedback =
        traces.stream().flatMap(t -> feedbackByTrace.getOrDefault(t, List.of()).stream()).toList();
    assertThat(row.path("feedback_count").asLong()).isEqualTo(feedback.size());
    double weights = feedback.stream().mapToDouble(f -> f[1]).sum();
    assertNullableClose(
        row.path("feedback_avg"),
        weights == 0 ? null : feedback.stream().mapToDouble(f -> f[0] * f[1]).sum() / weights);
  }

  static long sum(List<RequestRecord> records, Function<RequestRecord, Integer> field) {
    return records.stream().map(field).filter(Objects::nonNull).mapToLong(i -> i).sum();
  }

  static void assertNullableClose(JsonNode actual, Double expected) {
    if (expected == null) {
      assertThat(actual.isNull()).as("expected null, got %s", actual).isTrue();
    } else {
      assertThat(actual.asDouble()).isCloseTo(expected, within(1e-6));
    }
  }

  /** {@code percentile_cont}: the value at rank {@code p × (n − 1)}, interpolated linearly. */
  static Double percentile(List<Double> values, double p) {
    if (values.isEmpty()) {
      return null;
    }
    List<Double> sorted = values.stream().sorted().toList();
    double rank = p * (sorted.size() - 1);
    int below = (int) Math.floor(rank);
    int above = (int) Math.ceil(rank);
    return sorted.get(below) + (rank - below) * (sorted.get(above) - sorted.get(below));
  }

  List<RequestRecord> inRange(long from, long to) {
    return records.stream()
        .filter(r -> r.startedAt().toEpochMilli() >= from && r.startedAt().toEpochMilli() < to)
        .toList();
  }

  /** Checks an answer's series and totals against the records, grouped by {@code cohort}. */
  void assertAnswer(JsonNode answer, long bucketMs, Function<RequestRecord, String> cohort) {
    List<RequestRecord> looked = inRange(T0, T0 + 10 * 60_000);
    Map<String, List<RequestRecord>> series = new TreeMap<>();
    Map<String, List<RequestRecord>> totals = new TreeMap<>();
    for (RequestRecord record : looked) {
      long ms = record.startedAt().toEpochMilli();
      series
          .computeIfAbsent(
              (ms - ms % bucketMs) + "|" + cohort.apply(record), k -> new ArrayList<>())
          .add(record);
      totals
          .computeIfAbsent(String.valueOf(cohort.apply(record)), k -> new ArrayList<>())
          .add(record);
    }
    assertThat(answer.path("series")).hasSize(series.size());
    for (JsonNode row : answer.path("series")) {
      String key =
          row.path("bucket_start_ms").asLong()
              + "|"
              + (row.path("group").isNull() ? null : row.path("group").asText());
      assertThat(series).containsKey(key);
      assertMetrics(row, series.get(key));
    }
    assertThat(answer.path("totals")).hasSize(totals.size());
    for (JsonNode row : answer.path("totals")) {
      String key = row.path("group").isNull() ? "null" : row.path("group").asText();
      assertThat(totals).containsKey(key);
      assertMetrics(row, totals.get(key));
    }
  }

  JsonNode analytics(String query) {
    var response = gateway.get("/v1/analytics?from=" + T0 + "&to=" + (T0 + 10 * 60_000) + query);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgresql"})
  void everyFigurePerMinuteAndProviderIsWhatTheRecordsGive(String store) throws Exception {
    start(store);

    JsonNode answer = analytics("&bucket=1m&group_by=provider");

    assertThat(answer.path("from").asLong()).isEqualTo(T0);
    assertThat(answer.path("to").asLong()).isEqualTo(T0 + 10 * 60_000);
    assertThat(answer.path("bucket_ms").asLong()).isEqualTo(60_000);
    assertThat(answer.path("group_by").asText()).isEqualTo("provider");
    assertAnswer(answer, 60_000, RequestRecord::provider);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgresql"})
  void cohortsByModelByMetadataKeyAndNoneAreWhatTheRecordsGive(String store) throws Exception {
    start(store);

    assertAnswer(analytics("&bucket=5m&group_by=model"), 300_000, RequestRecord::model);
    assertAnswer(
        analytics("&bucket=1h&group_by=metadata.team"), 3_600_000, r -> r.metadata().get("team"));
    assertAnswer(analytics("&bucket=15m&group_by=none"), 900_000, r -> null);
    assertAnswer(analytics("&bucket=1m&group_by=status"), 60_000, r -> String.valueOf(r.status()));
    assertAnswer(
        analytics("&bucket=1d&group_by=cache_status"), 86_400_000, RequestRecord::cacheStatus);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgresql"})
  void bucketsStartOnTheMinuteAndARecordOnTheBoundaryOpensTheNext(String store) throws Exception {
    start(store);

    JsonNode answer = analytics("&bucket=1m&group_by=none");

    List<Long> starts = new ArrayList<>();
    answer.path("series").forEach(row -> starts.add(row.path("bucket_start_ms").asLong()));
    assertThat(starts).isSorted().allMatch(start -> (start - T0) % 60_000 == 0);
    long firstMinute = inRange(T0, T0 + 60_000).size();
    long secondMinute = inRange(T0 + 60_000, T0 + 120_000).size();
    assertThat(answer.path("series").get(0).path("bucket_start_ms").asLong()).isEqualTo(T0);
    assertThat(answer.path("series").get(0).path("requests").asLong()).isEqualTo(firstMinute);
    assertThat(answer.path("series").get(1).path("bucket_start_ms").asLong())
        .isEqualTo(T0 + 60_000);
    assertThat(answer.path("series").get(1).path("requests").asLong()).isEqualTo(secondMinute);
    // The range's end is exclusive, its start inclusive: "before" and "after" are not counted.
    assertThat(answer.path("totals").get(0).path("requests").asLong())
        .isEqualTo(records.size() - 2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgresql"})
  void filtersNarrowTheAnalyticsAsTheyNarrowTheLogs(String store) throws Exception {
    start(store);

    JsonNode answer = analytics("&bucket=1h&group_by=none&provider=openai&metadata.team=search");

    long expected =
        inRange(T0, T0 + 10 * 60_000).stream()
            .filter(r -> r.provider().equals("openai"))
            .filter(r -> "search".equals(r.metadata().get("team")))
            .count();
    assertThat(expected).isPositive();
    assertThat(answer.path("totals").get(0).path("requests").asLong()).isEqualTo(expected);
    BigDecimal cost =
        inRange(T0, T0 + 10 * 60_000).stream()
            .filter(r -> r.provider().equals("openai"))
            .filter(r -> "search".equals(r.metadata().get("team")))
            .map(RequestRecord::costUsd)
            .filter(Objects::nonNull)
            .reduce(BigDecimal.ZERO, BigDecimal::add)
            .setScale(8, RoundingMode.UNNECESSARY);
    assertThat(answer.path("totals").get(0).path("cost_usd").decimalValue())
        .isEqualByComparingTo(cost);
  }
}
