package dev.switchboard.observe.analytics;

import dev.switchboard.engine.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An analytics question: the records a filter selects in a time range, counted in time buckets and
 * by a cohort.
 *
 * @param filter which records; its {@code fromMs} and {@code toMs} are always set
 * @param bucketMs the width of a time bucket; buckets start at multiples of it since the epoch (so
 *     {@code 1h} buckets start on the hour, {@code 1d} ones at midnight UTC)
 * @param groupBy the cohort each record counts in
 */
public record AnalyticsQuery(LogFilter filter, long bucketMs, GroupBy groupBy) {
  /** The range looked at when {@code from} is not given: the last day. */
  public static final Duration DEFAULT_RANGE = Duration.ofDays(1);

  /** The most time buckets one answer may have, so a fine bucket over a long range is refused. */
  public static final int MAX_BUCKETS = 10_000;

  /** Buckets by name, for {@code bucket=}. */
  private static final Map<String, Duration> BUCKETS =
      Map.of(
          "1m", Duration.ofMinutes(1),
          "5m", Duration.ofMinutes(5),
          "15m", Duration.ofMinutes(15),
          "1h", Duration.ofHours(1),
          "1d", Duration.ofDays(1));

  /** The buckets {@code auto} picks from, the first that gives at most 120 points. */
  private static final List<Duration> AUTO =
      List.of(
          Duration.ofMinutes(1),
          Duration.ofMinutes(5),
          Duration.ofMinutes(15),
          Duration.ofHours(1),
          Duration.ofDays(1));

  private static final int AUTO_POINTS = 120;

  public AnalyticsQuery {
    if (filter.fromMs() == null || filter.toMs() == null) {
      throw new IllegalArgumentException("an analytics query needs a time range");
    }
    if (bucketMs <= 0) {
      throw new IllegalArgumentException("a bucket must be positive");
    }
  }

  /**
   * The query of {@code GET /v1/analytics}: {@code from} (default: a day before {@code to}), {@code
   * to} (default: now), {@code bucket}, {@code group_by}, and any filter of {@code GET /v1/logs}.
   *
   * @throws dev.switchboard.engine.errors.InvalidRequestException naming the bad parameter
   */
  public static AnalyticsQuery parse(Map<String, List<String>> query, Clock clock) {
    Parameters parameters = new Parameters(query);
    LogFilter given = LogFilter.parse(parameters);
    long to = given.toMs() == null ? clock.millis() : given.toMs();
    long from = given.fromMs() == null ? to - DEFAULT_RANGE.toMillis() : given.fromMs();
    if (from >= to) {
      throw Parameters.invalid("from", "'from' must be before 'to'.");
    }
    String bucket = parameters.text("bucket");
    long bucketMs;
    if (bucket == null || bucket.equals("auto")) {
      bucketMs =
          AUTO.stream()
              .mapToLong(Duration::toMillis)
              .filter(width -> (to - from) / width <= AUTO_POINTS)
              .findFirst()
              .orElse(AUTO.get(AUTO.size() - 1).toMillis());
    } else if (BUCKETS.containsKey(bucket)) {
      bucketMs = BUCKETS.get(bucket).toMillis();
    } else {
      throw Parameters.invalid("bucket", "'bucket' must be one of 1m, 5m, 15m, 1h, 1d or auto.");
    }
    if ((to - from) / bucketMs > MAX_BUCKETS) {
      throw Parameters.invalid(
          "bucket",
          "The range holds more than "
              + MAX_BUCKETS
              + " buckets of "
              + bucket
              + "; choose a wider bucket or a shorter range.");
    }
    GroupBy groupBy = GroupBy.parse(parameters.text("group_by"));
    parameters.refuseOthers();
    LogFilter filter = given.between(from, to);
    if (filter.shadows() == null && filter.shadowOf() == null) {
      // Shadow requests are the gateway's, not its clients': counted only when asked for.
      filter = filter.withShadows("exclude");
    }
    return new AnalyticsQuery(filter, bucketMs, groupBy);
  }

  /**
   * What records are grouped by: one of a closed list of columns, or a metadata key. The SQL of a
   * column comes from this list, never from the request; a metadata key is a bind parameter.
   *
   * @param name as the request gave it ({@code provider}, {@code metadata.team}, {@code none})
   * @param expression the SQL of the cohort on {@code requests r} (and {@code m}, the metadata row)
   * @param metadataKey the metadata key grouped by, or {@code null}
   */
  public record GroupBy(String name, String expression, String metadataKey) {
    private static final String MCP_ROW = LogFilter.MCP_ROW;

    private static final Map<String, String> COLUMNS =
        Map.ofEntries(
            Map.entry("provider", "r.provider"),
            Map.entry("model", "r.model"),
            Map.entry("config", "r.config"),
            Map.entry("option_path", "r.option_path"),
            Map.entry("path", "r.path"),
            Map.entry("status", "CAST(r.status AS VARCHAR)"),
            Map.entry("cache_status", "r.cache_status"),
            Map.entry("arm", "r.arm"),
            // MCP requests (path /mcp or /mcp/<server>): their server, and <server>__<tool> (a
            // prompt's <server>__<prompt>, a resource's URI).
            Map.entry("mcp_server", "CASE WHEN " + MCP_ROW + " THEN r.provider END"),
            Map.entry("mcp_tool", "CASE WHEN " + MCP_ROW + " THEN r.request_model END"),
            Map.entry("none", "CAST(NULL AS VARCHAR)"));

    static GroupBy parse(String given) {
      if (given == null) {
        return new GroupBy("none", COLUMNS.get("none"), null);
      }
      if (given.equals("prompt")) {
        // A saved prompt's version, id@version: the metadata the gateway writes on its requests.
        return new GroupBy(given, "m.value", RequestOptions.PROMPT_METADATA);
      }
      if (given.startsWith("metadata.") && given.length() > "metadata.".length()) {
        return new GroupBy(given, "m.value", given.substring("metadata.".length()));
      }
      String expression = COLUMNS.get(given);
      if (expression == null) {
        throw Parameters.invalid(
            "group_by",
            "'group_by' must be one of provider, model, config, option_path, path, status,"
                + " cache_status, arm, mcp_server, mcp_tool, prompt, metadata.<key> or none.");
      }
      return new GroupBy(given, expression, null);
    }
  }
}
