package dev.switchboard.observe.analytics;

import static dev.switchboard.observe.analytics.NullableColumns.nullableDouble;
import static dev.switchboard.observe.analytics.NullableColumns.nullableInt;
import static dev.switchboard.observe.analytics.NullableColumns.nullableLong;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A request record as the logs API shows it: the snake_case of {@link RequestRecord}'s components,
 * {@code started_at} as an ISO-8601 instant beside {@code started_at_ms}, {@code metadata} an
 * object and {@code attempts} an array (as {@link LogStore#attemptsJson} writes them). One shape
 * whether the record comes from the store ({@code GET /v1/logs}, the export) or straight from the
 * engine (the live tail), so a viewer can treat both alike.
 */
public final class RecordJson {
  /**
   * The fields of a record, in the order the API and the CSV export write them: the store's columns
   * ({@link LogStore#COLUMNS}), with {@code started_at} before {@code started_at_ms}.
   */
  public static final List<String> FIELDS = fields();

  /**
   * The {@code requests} columns a record is read from, in the order {@link #of(ResultSet)} reads.
   */
  static final String COLUMNS =
      LogStore.COLUMNS.stream().map(column -> "r." + column).collect(Collectors.joining(", "));

  /**
   * Writes JSON with decimals in plain notation ({@code 0.00000006}, never {@code 6E-8}), as the
   * cost header is written.
   */
  private static final ObjectWriter WRITER =
      WireJson.mapper().writer().with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  private RecordJson() {}

  /** The API's JSON of a record straight from the engine. */
  public static ObjectNode of(RequestRecord record) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("id", record.id());
    node.put("trace_id", record.traceId());
    node.put("traceparent", record.traceparent());
    long startedAtMs = record.startedAt().toEpochMilli();
    node.put("started_at", Instant.ofEpochMilli(startedAtMs).toString());
    node.put("started_at_ms", startedAtMs);
    node.put("method", record.method());
    node.put("path", record.path());
    node.put("workspace", record.workspace());
    node.put("api_key_id", record.apiKeyId());
    node.put("config", record.config());
    node.put("request_model", record.requestModel());
    node.put("provider", record.provider());
    node.put("model", record.model());
    node.put("option_path", record.optionPath());
    node.put("retries", record.retries());
    node.put("fallback_used", record.fallbackUsed());
    node.put("cache_status", record.cacheStatus());
    node.put("cache_age_seconds", record.cacheAgeSeconds());
    node.put("status", record.status());
    node.put("error_type", record.errorType());
    node.put("prompt_tokens", record.promptTokens());
    node.put("completion_tokens", record.completionTokens());
    node.put("cached_tokens", record.cachedTokens());
    node.put("cost_usd", plain(record.costUsd()));
    node.put("saved_cost_usd", plain(record.savedCostUsd()));
    node.put("latency_ms", record.latencyMs());
    node.put("ttft_ms", record.ttftMs());
    node.put("streamed", record.streamed());
    node.put(
        "stream_end", streamEnd(record.streamEnd() == null ? null : record.streamEnd().name()));
    node.put("guardrails", record.guardrails());
    ObjectNode metadata = node.putObject("metadata");
    new java.util.TreeMap<>(record.metadata()).forEach(metadata::put);
    node.set("attempts", WireJson.tree(LogStore.attemptsJson(record.attempts())));
    node.put("request_body", record.requestBody());
    node.put("response_body", record.responseBody());
    node.put("arm", record.arm());
    record.outputChecksFailed().forEach(node.putArray("output_checks_failed")::add);
    node.put("shadow_of", record.shadowOf());
    node.put("text_digest", record.answerDigest().text());
    node.put("tool_calls_digest", record.answerDigest().toolCalls());
    return node;
  }

  /** The API's JSON of the row at {@code row}'s cursor, selected with {@link #COLUMNS}. */
  static ObjectNode of(ResultSet row) throws SQLException {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    int i = 1;
    node.put("id", row.getString(i++));
    node.put("trace_id", row.getString(i++));
    node.put("traceparent", row.getString(i++));
    long startedAtMs = row.getLong(i++);
    node.put("started_at", Instant.ofEpochMilli(startedAtMs).toString());
    node.put("started_at_ms", startedAtMs);
    node.put("method", row.getString(i++));
    node.put("path", row.getString(i++));
    node.put("workspace", row.getString(i++));
    node.put("api_key_id", row.getString(i++));
    node.put("config", row.getString(i++));
    node.put("request_model", row.getString(i++));
    node.put("provider", row.getString(i++));
    node.put("model", row.getString(i++));
    node.put("option_path", row.getString(i++));
    node.put("retries", row.getInt(i++));
    node.put("fallback_used", row.getBoolean(i++));
    node.put("cache_status", row.getString(i++));
    node.put("cache_age_seconds", nullableLong(row, i++));
    node.put("status", row.getInt(i++));
    node.put("error_type", row.getString(i++));
    node.put("prompt_tokens", nullableInt(row, i++));
    node.put("completion_tokens", nullableInt(row, i++));
    node.put("cached_tokens", nullableInt(row, i++));
    node.put("cost_usd", plain(row.getBigDecimal(i++)));
    node.put("saved_cost_usd", plain(row.getBigDecimal(i++)));
    node.put("latency_ms", row.getDouble(i++));
    node.put("ttft_ms", nullableDouble(row, i++));
    node.put("streamed", row.getBoolean(i++));
    node.put("stream_end", streamEnd(row.getString(i++)));
    node.put("guardrails", row.getString(i++));
    String metadata = row.getString(i++);
    node.set(
        "metadata",
        metadata == null ? JsonNodeFactory.instance.objectNode() : WireJson.tree(metadata));
    String attempts = row.getString(i++);
    node.set(
        "attempts",
        attempts == null ? JsonNodeFactory.instance.arrayNode() : WireJson.tree(attempts));
    node.put("request_body", row.getString(i++));
    node.put("response_body", row.getString(i++));
    node.put("arm", row.getString(i++));
    ArrayNode failedChecks = node.putArray("output_checks_failed");
    String failed = row.getString(i++);
    if (failed != null) {
      for (String check : failed.split(",")) {
        failedChecks.add(check);
      }
    }
    node.put("shadow_of", row.getString(i++));
    node.put("text_digest", row.getString(i++));
    node.put("tool_calls_digest", row.getString(i++));
    return node;
  }

  private static List<String> fields() {
    List<String> fields = new ArrayList<>();
    for (String column : LogStore.COLUMNS) {
      if (column.equals("started_at_ms")) {
        fields.add("started_at");
      }
      fields.add(column);
    }
    return List.copyOf(fields);
  }

  /** {@code tree} as compact JSON bytes, decimals in plain notation. */
  public static byte[] write(JsonNode tree) {
    try {
      return WRITER.writeValueAsBytes(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A decimal without trailing zeros (the store pads to its scale), so both sources agree. */
  static BigDecimal plain(BigDecimal value) {
    return value == null ? null : value.stripTrailingZeros();
  }

  private static String streamEnd(String stored) {
    return stored == null ? null : stored.toLowerCase(Locale.ROOT);
  }
}
