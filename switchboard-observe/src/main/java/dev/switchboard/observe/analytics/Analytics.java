package dev.switchboard.observe.analytics;

import static dev.switchboard.observe.analytics.NullableColumns.nullableDouble;
import static dev.switchboard.observe.analytics.NullableColumns.nullableLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.observe.store.LogStore;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's analytics ({@code GET /v1/analytics}): request counts, error, fallback and cache
 * rates, tokens, cost, latency and time-to-first-token percentiles, and feedback, per time bucket
 * and cohort, and in total per cohort. Computed by the store in one SQL dialect that DuckDB and
 * PostgreSQL both run unchanged ({@code percentile_cont … WITHIN GROUP}, integer arithmetic on
 * epoch milliseconds for buckets, a join on {@code request_metadata} for a metadata cohort); every
 * value is a bind parameter.
 *
 * <p>Definitions: an error is any status outside 2xx; a cache hit is {@code HIT} or {@code SEMANTIC
 * HIT}; {@code cache_age_avg_seconds} averages the age of the answers served from the cache;
 * percentiles interpolate linearly ({@code percentile_cont}); feedback counts every feedback entry
 * whose trace has a request in the bucket and cohort, and {@code feedback_avg} is its weighted mean
 * (sum of value × weight over sum of weights).
 *
 * <p>Shadow requests (a config's {@code shadow}) are left out unless the filter asks for them
 * ({@code shadows=only}); {@code shadows} compares each client request the filter selects with its
 * shadow, per cohort (the client request's) and shadow target (provider and model).
 */
public final class Analytics {
  private static final String ERROR = "(r.status < 200 OR r.status >= 300)";
  private static final String CACHE_HIT = "r.cache_status IN ('HIT', 'SEMANTIC HIT')";

  /**
   * An eval failure: an output guardrail check failed, or the request's trace has failing feedback
   * (a value below 0, on Portkey's scale of -10 to 10).
   */
  private static final String EVAL_FAIL =
      "(r.output_checks_failed IS NOT NULL OR EXISTS (SELECT 1 FROM feedback ff"
          + " WHERE ff.trace_id = r.trace_id AND ff.workspace IS NOT DISTINCT FROM r.workspace"
          + " AND ff.value < 0))";

  /** The output checks that judge an answer's structure: a failure of one is a schema failure. */
  static final List<String> SCHEMA_CHECKS =
      List.of("switchboard.jsonOutput", "default.jsonSchema", "default.jsonKeys");

  private static final String SCHEMA_FAIL =
      "("
          + String.join(
              " OR ",
              SCHEMA_CHECKS.stream()
                  .map(check -> "(',' || r.output_checks_failed || ',') LIKE '%," + check + ",%'")
                  .toList())
          + ")";

  /** The normal quantile of a two-sided 95% interval. */
  private static final double Z95 = 1.959963984540054;

  private final LogStore store;

  public Analytics(LogStore store) {
    this.store = store;
  }

  /** The answer of {@code GET /v1/analytics} for {@code query}. */
  public ObjectNode run(AnalyticsQuery query) throws SQLException {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("from", query.filter().fromMs());
    answer.put("to", query.filter().toMs());
    answer.put("bucket_ms", query.bucketMs());
    answer.put("group_by", query.groupBy().name());
    try (Connection connection = store.connection()) {
      Map<Key, double[]> seriesFeedback = feedback(connection, query, true);
      ArrayNode series = answer.putArray("series");
      for (ObjectNode row : metrics(connection, query, true, seriesFeedback)) {
        series.add(row);
      }
      Map<Key, double[]> totalFeedback = feedback(connection, query, false);
      ArrayNode totals = answer.putArray("totals");
      for (ObjectNode row : metrics(connection, query, false, totalFeedback)) {
        totals.add(row);
      }
      ArrayNode shadows = answer.putArray("shadows");
      shadowPairs(connection, query).forEach(shadows::add);
    }
    return answer;
  }

  /**
   * Each client request the query selects beside its shadow (linked by the shadow's {@code
   * shadow_of}), per cohort and shadow target: the pairs, the shadows that failed, latency, tokens
   * and cost on each side, and how often the answers' texts and tool calls agree (equal digests;
   * only pairs where both sides answered are compared).
   */
  private static List<ObjectNode> shadowPairs(Connection connection, AnalyticsQuery query)
      throws SQLException {
    List<Object> binds = new ArrayList<>();
    StringBuilder sql =
        new StringBuilder("SELECT ")
            .append(query.groupBy().expression())
            .append(" AS cohort, s.provider, s.model, COUNT(*)")
            .append(", SUM(CASE WHEN s.status >= 200 AND s.status < 300 THEN 0 ELSE 1 END)")
            .append(", percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms)")
            .append(", percentile_cont(0.5) WITHIN GROUP (ORDER BY s.latency_ms)")
            .append(", percentile_cont(0.99) WITHIN GROUP (ORDER BY r.latency_ms)")
            .append(", percentile_cont(0.99) WITHIN GROUP (ORDER BY s.latency_ms)")
            .append(", SUM(r.prompt_tokens), SUM(s.prompt_tokens)")
            .append(", SUM(r.completion_tokens), SUM(s.completion_tokens)")
            .append(", SUM(r.cost_usd), SUM(s.cost_usd)")
            .append(", SUM(CASE WHEN ")
            .append(BOTH_ANSWERED)
            .append(" THEN 1 ELSE 0 END)")
            .append(", SUM(CASE WHEN ")
            .append(BOTH_ANSWERED)
            .append(" AND r.text_digest IS NOT DISTINCT FROM s.text_digest THEN 1 ELSE 0 END)")
            .append(", SUM(CASE WHEN ")
            .append(BOTH_ANSWERED)
            .append(" AND r.tool_calls_digest IS NOT DISTINCT FROM s.tool_calls_digest")
            .append(" THEN 1 ELSE 0 END)")
            .append(" FROM requests r JOIN requests s ON s.shadow_of = r.id");
    if (query.groupBy().metadataKey() != null) {
      sql.append(" LEFT JOIN request_metadata m ON m.request_id = r.id AND m.key = ?");
      binds.add(query.groupBy().metadataKey());
    }
    sql.append(" WHERE ")
        .append(query.filter().withShadows("exclude").conditions(binds))
        .append(" GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
    List<ObjectNode> rows = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
      LogSearch.bind(statement, binds);
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          ObjectNode row = JsonNodeFactory.instance.objectNode();
          row.put("group", result.getString(1));
          row.put("shadow_provider", result.getString(2));
          row.put("shadow_model", result.getString(3));
          long pairs = result.getLong(4);
          row.put("pairs", pairs);
          share(row, "shadow_errors", "shadow_error_rate", result.getLong(5), pairs);
          row.put("latency_p50_ms", nullableDouble(result, 6));
          row.put("shadow_latency_p50_ms", nullableDouble(result, 7));
          row.put("latency_p99_ms", nullableDouble(result, 8));
          row.put("shadow_latency_p99_ms", nullableDouble(result, 9));
          row.put("prompt_tokens", result.getLong(10));
          row.put("shadow_prompt_tokens", result.getLong(11));
          row.put("completion_tokens", result.getLong(12));
          row.put("shadow_completion_tokens", result.getLong(13));
          BigDecimal cost = result.getBigDecimal(14);
          BigDecimal shadowCost = result.getBigDecimal(15);
          row.put("cost_usd", RecordJson.plain(cost == null ? BigDecimal.ZERO : cost));
          row.put(
              "shadow_cost_usd",
              RecordJson.plain(shadowCost == null ? BigDecimal.ZERO : shadowCost));
          long compared = result.getLong(16);
          row.put("compared", compared);
          share(row, "texts_agree", "text_agreement_rate", result.getLong(17), compared);
          share(row, "tool_calls_agree", "tool_call_agreement_rate", result.getLong(18), compared);
          rows.add(row);
        }
      }
    }
    return rows;
  }

  /** A pair whose two answers were both whole (2xx): only those are compared. */
  private static final String BOTH_ANSWERED =
      "r.status >= 200 AND r.status < 300 AND s.status >= 200 AND s.status < 300";

  /** A bucket (or {@code null} for totals) and a cohort. */
  private record Key(Long bucketStartMs, String group) {}

  /** {@code FROM} and {@code WHERE} of the records looked at, with their bind values. */
  private static String from(AnalyticsQuery query, List<Object> binds) {
    StringBuilder sql = new StringBuilder(" FROM requests r");
    if (query.groupBy().metadataKey() != null) {
      sql.append(" LEFT JOIN request_metadata m ON m.request_id = r.id AND m.key = ?");
      binds.add(query.groupBy().metadataKey());
    }
    sql.append(" WHERE ").append(query.filter().conditions(binds));
    return sql.toString();
  }

  /** The select list's first two columns: the bucket's start (or a constant) and the cohort. */
  private static String keys(AnalyticsQuery query, boolean bucketed, List<Object> binds) {
    if (bucketed) {
      binds.add(query.bucketMs());
      return "r.started_at_ms - (r.started_at_ms % ?) AS bucket_start, "
          + query.groupBy().expression()
          + " AS cohort";
    }
    return "CAST(NULL AS BIGINT) AS bucket_start, " + query.groupBy().expression() + " AS cohort";
  }

  private List<ObjectNode> metrics(
      Connection connection, AnalyticsQuery query, boolean bucketed, Map<Key, double[]> feedback)
      throws SQLException {
    List<Object> binds = new ArrayList<>();
    String sql =
        "SELECT "
            + keys(query, bucketed, binds)
            + ", COUNT(*)"
            + ", SUM(CASE WHEN "
            + ERROR
            + " THEN 1 ELSE 0 END)"
            + ", SUM(CASE WHEN r.fallback_used THEN 1 ELSE 0 END)"
            + ", SUM(r.retries)"
            + ", SUM(CASE WHEN "
            + CACHE_HIT
            + " THEN 1 ELSE 0 END)"
            + ", AVG(CASE WHEN "
            + CACHE_HIT
            + " THEN r.cache_age_seconds END)"
            + ", SUM(r.prompt_tokens), SUM(r.completion_tokens), SUM(r.cached_tokens)"
            + ", SUM(r.cost_usd)"
            + ", percentile_cont(0.5) WITHIN GROUP (ORDER BY r.latency_ms)"
            + ", percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms)"
            + ", percentile_cont(0.99) WITHIN GROUP (ORDER BY r.latency_ms)"
            + ", percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ttft_ms)"
            + ", percentile_cont(0.99) WITHIN GROUP (ORDER BY r.ttft_ms)"
            + ", SUM(CASE WHEN "
            + EVAL_FAIL
            + " THEN 1 ELSE 0 END)"
            + ", SUM(CASE WHEN "
            + SCHEMA_FAIL
            + " THEN 1 ELSE 0 END)"
            + from(query, binds)
            + " GROUP BY 1, 2 ORDER BY 1, 2";
    List<ObjectNode> rows = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      LogSearch.bind(statement, binds);
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          ObjectNode row = JsonNodeFactory.instance.objectNode();
          Long bucketStart = nullableLong(result, 1);
          String cohort = result.getString(2);
          if (bucketed) {
            row.put("bucket_start_ms", bucketStart);
          }
          row.put("group", cohort);
          long requests = result.getLong(3);
          long errors = result.getLong(4);
          long fallbacks = result.getLong(5);
          long cacheHits = result.getLong(7);
          row.put("requests", requests);
          share(row, "errors", "error_rate", errors, requests);
          share(row, "fallbacks", "fallback_rate", fallbacks, requests);
          share(row, "eval_fails", "eval_fail_rate", result.getLong(18), requests);
          share(row, "schema_failures", "schema_failure_rate", result.getLong(19), requests);
          row.put("retries", result.getLong(6));
          row.put("cache_hits", cacheHits);
          row.put("cache_hit_rate", rate(cacheHits, requests));
          row.put("cache_age_avg_seconds", nullableDouble(result, 8));
          row.put("prompt_tokens", result.getLong(9));
          row.put("completion_tokens", result.getLong(10));
          row.put("cached_tokens", result.getLong(11));
          BigDecimal cost = result.getBigDecimal(12);
          row.put("cost_usd", RecordJson.plain(cost == null ? BigDecimal.ZERO : cost));
          row.put("latency_p50_ms", nullableDouble(result, 13));
          row.put("latency_p95_ms", nullableDouble(result, 14));
          row.put("latency_p99_ms", nullableDouble(result, 15));
          row.put("ttft_p50_ms", nullableDouble(result, 16));
          row.put("ttft_p99_ms", nullableDouble(result, 17));
          double[] given = feedback.get(new Key(bucketed ? bucketStart : null, cohort));
          row.put("feedback_count", given == null ? 0 : (long) given[0]);
          if (given == null || given[2] <= 0) {
            row.putNull("feedback_avg");
            row.putNull("feedback_avg_ci95");
          } else {
            row.put("feedback_avg", given[1] / given[2]);
            row.set("feedback_avg_ci95", meanInterval(given));
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  /**
   * Feedback per bucket and cohort: count, sum of value × weight, sum of weights. A trace's
   * feedback counts once in each bucket and cohort where the trace has a request.
   */
  private Map<Key, double[]> feedback(Connection connection, AnalyticsQuery query, boolean bucketed)
      throws SQLException {
    List<Object> binds = new ArrayList<>();
    String traces = "SELECT DISTINCT " + keys(query, bucketed, binds) + ", r.trace_id, r.workspace";
    traces += from(query, binds);
    String sql =
        "SELECT t.bucket_start, t.cohort, COUNT(f.id), SUM(f.value * f.weight), SUM(f.weight),"
            + " SUM(f.value * f.value * f.weight), SUM(f.weight * f.weight)"
            + " FROM ("
            + traces
            + ") t JOIN feedback f ON f.trace_id = t.trace_id"
            + " AND f.workspace IS NOT DISTINCT FROM t.workspace"
            + " GROUP BY t.bucket_start, t.cohort";
    Map<Key, double[]> found = new HashMap<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      LogSearch.bind(statement, binds);
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          Long bucketStart = nullableLong(result, 1);
          found.put(
              new Key(bucketed ? bucketStart : null, result.getString(2)),
              new double[] {
                result.getLong(3),
                result.getDouble(4),
                result.getDouble(5),
                result.getDouble(6),
                result.getDouble(7)
              });
        }
      }
    }
    return found;
  }

  /** A count, its share of {@code whole} and the share's 95% interval ({@code <rate>_ci95}). */
  private static void share(ObjectNode row, String count, String rate, long part, long whole) {
    row.put(count, part);
    row.put(rate, rate(part, whole));
    row.set(rate + "_ci95", wilson(part, whole));
  }

  /**
   * The Wilson score interval of {@code part} in {@code whole} at 95%: {@code [low, high]}, or null
   * with no record. Unlike the normal approximation it stays within 0 and 1 and is honest at rates
   * near either and at small counts.
   */
  static JsonNode wilson(long part, long whole) {
    if (whole == 0) {
      return JsonNodeFactory.instance.nullNode();
    }
    double n = whole;
    double p = part / n;
    double z2 = Z95 * Z95;
    double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
    double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
    return interval(Math.max(0, centre - half), Math.min(1, centre + half));
  }

  /**
   * A 95% interval of the weighted feedback mean, by the normal approximation with Kish's effective
   * count ((Σw)² / Σw²) and the weighted variance: {@code [low, high]}, or null when the effective
   * count is 1 or less.
   *
   * @param given count, Σvw, Σw, Σv²w, Σw²
   */
  static JsonNode meanInterval(double[] given) {
    double weights = given[2];
    double effective = weights * weights / given[4];
    if (!(effective > 1)) {
      return JsonNodeFactory.instance.nullNode();
    }
    double mean = given[1] / weights;
    double variance = Math.max(0, given[3] / weights - mean * mean) * effective / (effective - 1);
    double half = Z95 * Math.sqrt(variance / effective);
    return interval(mean - half, mean + half);
  }

  private static ArrayNode interval(double low, double high) {
    ArrayNode interval = JsonNodeFactory.instance.arrayNode();
    interval.add(low);
    interval.add(high);
    return interval;
  }

  private static double rate(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }
}
