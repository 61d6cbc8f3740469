package dev.switchboard.observe.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Feedback on requests, as Portkey's feedback API takes it ({@code POST /v1/feedback}, <a
 * href="https://portkey.ai/docs/api-reference/admin-api/data-plane/feedback/create-feedback">Create
 * feedback</a>): a {@code value} from -10 to 10 on a trace, a {@code weight} from 0 to 1 (1 when
 * not given), and free {@code metadata}. Kept in the store's {@code feedback} table by trace id, so
 * it may come before the trace's requests are written, or for a trace of several requests.
 */
public final class FeedbackLog {
  /** The most feedback entries one call may save. */
  public static final int MAX_ENTRIES = 100;

  /** The longest trace id accepted, as long as any header value a client would send. */
  private static final int MAX_TRACE_ID = 512;

  private final LogStore store;
  private final Clock clock;

  public FeedbackLog(LogStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * A trace as feedback names it: its id within a workspace ({@code null}: no workspace), so that
   * one workspace's feedback never lands on another's requests that share a trace id.
   */
  record Trace(String traceId, String workspace) {}

  /** One validated feedback entry. */
  record Entry(String traceId, int value, double weight, JsonNode metadata) {}

  /**
   * Validates and saves the feedback in {@code body} (one object, or an array of them), all or
   * none, and returns the new ids in the order given.
   *
   * @throws dev.switchboard.engine.errors.InvalidRequestException naming the bad field
   */
  public List<String> save(JsonNode body, String workspace) throws SQLException {
    List<Entry> entries = new ArrayList<>();
    if (body != null && body.isArray()) {
      if (body.isEmpty() || body.size() > MAX_ENTRIES) {
        throw Parameters.invalid(
            null, "Send from 1 to " + MAX_ENTRIES + " feedback objects in one request.");
      }
      for (int i = 0; i < body.size(); i++) {
        entries.add(entry(body.get(i), "[" + i + "]."));
      }
    } else {
      entries.add(entry(body, ""));
    }
    List<String> ids = new ArrayList<>();
    long now = clock.millis();
    try (Connection connection = store.connection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO feedback (id, trace_id, created_at_ms, value, weight, metadata,"
                  + " workspace) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
        for (Entry entry : entries) {
          String id = UUID.randomUUID().toString();
          insert.setString(1, id);
          insert.setString(2, entry.traceId());
          insert.setLong(3, now);
          insert.setDouble(4, entry.value());
          insert.setDouble(5, entry.weight());
          if (entry.metadata() == null) {
            insert.setNull(6, Types.VARCHAR);
          } else {
            insert.setString(6, WireJson.writeString(entry.metadata()));
          }
          insert.setString(7, workspace);
          insert.addBatch();
          ids.add(id);
        }
        insert.executeBatch();
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    }
    return ids;
  }

  private static Entry entry(JsonNode node, String prefix) {
    if (node == null || !node.isObject()) {
      throw Parameters.invalid(
          prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1),
          "Feedback must be a JSON object with trace_id and value.");
    }
    JsonNode traceId = node.get("trace_id");
    if (traceId == null || !traceId.isTextual() || traceId.asText().isBlank()) {
      throw Parameters.invalid(prefix + "trace_id", "'trace_id' is required: a non-empty string.");
    }
    if (traceId.asText().length() > MAX_TRACE_ID) {
      throw Parameters.invalid(
          prefix + "trace_id", "'trace_id' must be at most " + MAX_TRACE_ID + " characters.");
    }
    JsonNode value = node.get("value");
    if (value == null || !isIntegral(value) || value.asLong() < -10 || value.asLong() > 10) {
      throw Parameters.invalid(prefix + "value", "'value' is required: an integer from -10 to 10.");
    }
    double weight = 1.0;
    JsonNode givenWeight = node.get("weight");
    if (givenWeight != null && !givenWeight.isNull()) {
      if (!givenWeight.isNumber() || givenWeight.asDouble() < 0 || givenWeight.asDouble() > 1) {
        throw Parameters.invalid(prefix + "weight", "'weight' must be a number from 0 to 1.");
      }
      weight = givenWeight.asDouble();
    }
    JsonNode metadata = node.get("metadata");
    if (metadata != null && metadata.isNull()) {
      metadata = null;
    }
    if (metadata != null && !metadata.isObject()) {
      throw Parameters.invalid(prefix + "metadata", "'metadata' must be a JSON object.");
    }
    return new Entry(traceId.asText(), value.asInt(), weight, metadata);
  }

  private static boolean isIntegral(JsonNode value) {
    if (value.isIntegralNumber()) {
      return value.canConvertToInt();
    }
    if (!value.isNumber()) {
      return false;
    }
    BigDecimal decimal = value.decimalValue();
    return decimal.signum() == 0 || decimal.stripTrailingZeros().scale() <= 0;
  }

  /** The feedback on each of these traces, oldest first, by trace id. */
  Map<Trace, ArrayNode> forTraces(Connection connection, List<String> traceIds)
      throws SQLException {
    Map<Trace, ArrayNode> byTrace = new HashMap<>();
    List<String> ids = traceIds.stream().filter(java.util.Objects::nonNull).toList();
    if (ids.isEmpty()) {
      return byTrace;
    }
    String sql =
        "SELECT id, trace_id, created_at_ms, value, weight, metadata, workspace FROM feedback"
            + " WHERE trace_id IN ("
            + "?, ".repeat(ids.size() - 1)
            + "?) ORDER BY created_at_ms, id";
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < ids.size(); i++) {
        select.setString(i + 1, ids.get(i));
      }
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ObjectNode entry = JsonNodeFactory.instance.objectNode();
          entry.put("id", rows.getString(1));
          entry.put("trace_id", rows.getString(2));
          entry.put("value", (long) rows.getDouble(4));
          entry.put("weight", rows.getDouble(5));
          String metadata = rows.getString(6);
          entry.set(
              "metadata",
              metadata == null ? JsonNodeFactory.instance.objectNode() : WireJson.tree(metadata));
          entry.put("created_at", Instant.ofEpochMilli(rows.getLong(3)).toString());
          byTrace
              .computeIfAbsent(
                  new Trace(rows.getString(2), rows.getString(7)),
                  k -> JsonNodeFactory.instance.arrayNode())
              .add(entry);
        }
      }
    }
    return byTrace;
  }
}
