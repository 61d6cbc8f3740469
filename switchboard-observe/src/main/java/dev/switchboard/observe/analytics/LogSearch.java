package dev.switchboard.observe.analytics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.observe.store.LogStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads request records back from the {@link LogStore}: a page of a search ({@code GET /v1/logs}),
 * one record with its feedback ({@code GET /v1/logs/{id}}), or every record a filter selects, one
 * at a time, for an export. Newest first throughout; every value is a bind parameter.
 */
public final class LogSearch {
  /** The most records one export writes. */
  public static final int EXPORT_MAX_ROWS = 1_000_000;

  /** Records an export reads from the store at a time. */
  static final int EXPORT_PAGE = 1000;

  private final LogStore store;
  private final FeedbackLog feedback;

  public LogSearch(LogStore store, FeedbackLog feedback) {
    this.store = store;
    this.feedback = feedback;
  }

  /** A page of records, each with its trace's feedback. */
  public Page search(LogQuery query) throws SQLException {
    List<ObjectNode> records = new ArrayList<>();
    boolean more;
    try (Connection connection = store.connection()) {
      more = page(connection, query.filter(), query.after(), query.limit(), records);
      Map<FeedbackLog.Trace, ArrayNode> feedbackByTrace =
          feedback.forTraces(
              connection,
              records.stream().map(r -> r.path("trace_id").asText(null)).distinct().toList());
      for (ObjectNode record : records) {
        ArrayNode given =
            feedbackByTrace.get(
                new FeedbackLog.Trace(
                    record.path("trace_id").asText(null), record.path("workspace").asText(null)));
        record.set("feedback", given == null ? JsonNodeFactory.instance.arrayNode() : given);
      }
    }
    return new Page(records, more ? cursorAfter(records).encode() : null);
  }

  private static LogQuery.Cursor cursorAfter(List<ObjectNode> records) {
    ObjectNode last = records.get(records.size() - 1);
    return new LogQuery.Cursor(last.get("started_at_ms").asLong(), last.get("id").asText());
  }

  /**
   * Adds to {@code into} at most {@code limit} records that {@code filter} selects, newest first,
   * after {@code after} (or from the newest); returns whether more follow.
   */
  private static boolean page(
      Connection connection,
      LogFilter filter,
      LogQuery.Cursor after,
      int limit,
      List<ObjectNode> into)
      throws SQLException {
    // The page's ids first, ordered and cut on the narrow columns; then their whole rows. A
    // column store (DuckDB) would otherwise carry every wide column through the sort.
    List<Object> binds = new ArrayList<>();
    StringBuilder ids =
        new StringBuilder("SELECT r.id FROM requests r WHERE ").append(filter.conditions(binds));
    if (after != null) {
      ids.append(" AND (r.started_at_ms < ? OR (r.started_at_ms = ? AND r.id < ?))");
      binds.add(after.startedAtMs());
      binds.add(after.startedAtMs());
      binds.add(after.id());
    }
    ids.append(" ORDER BY r.started_at_ms DESC, r.id DESC LIMIT ?");
    binds.add(limit + 1);
    String sql =
        "SELECT "
            + RecordJson.COLUMNS
            + " FROM requests r WHERE r.id IN ("
            + ids
            + ") ORDER BY r.started_at_ms DESC, r.id DESC";
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, binds);
      try (ResultSet rows = statement.executeQuery()) {
        int read = 0;
        while (rows.next()) {
          if (read++ == limit) {
            return true;
          }
          into.add(RecordJson.of(rows));
        }
      }
    }
    return false;
  }

  /** A page of records and the cursor of the next page ({@code null} on the last). */
  public record Page(List<ObjectNode> records, String nextCursor) {
    /** The page as {@code GET /v1/logs} answers it. */
    public ObjectNode toJson() {
      ObjectNode page = JsonNodeFactory.instance.objectNode();
      page.put("object", "list");
      page.putArray("data").addAll(records);
      page.put("next_cursor", nextCursor);
      return page;
    }
  }

  /**
   * The record with this id, with its trace's feedback and the ids of its shadow requests ({@code
   * shadows}, oldest first; a config's {@code shadow}); empty when none has it.
   */
  public Optional<ObjectNode> find(String id) throws SQLException {
    Page page = search(new LogQuery(LogFilter.request(id), 1, null));
    Optional<ObjectNode> found = page.records().stream().findFirst();
    if (found.isPresent()) {
      ArrayNode shadows = found.get().putArray("shadows");
      try (Connection connection = store.connection();
          PreparedStatement statement =
              connection.prepareStatement(
                  "SELECT id FROM requests WHERE shadow_of = ? ORDER BY started_at_ms, id")) {
        statement.setString(1, id);
        try (ResultSet result = statement.executeQuery()) {
          while (result.next()) {
            shadows.add(result.getString(1));
          }
        }
      }
    }
    return found;
  }

  /** Receives exported records one at a time. */
  @FunctionalInterface
  public interface RecordConsumer {
    void accept(ObjectNode record) throws java.io.IOException;
  }

  /**
   * Hands every record {@code filter} selects to {@code consumer}, newest first, at most {@code
   * limit} of them. Read a page of {@value #EXPORT_PAGE} at a time (keyset pages, as the search's
   * cursor), each in a statement of its own: a large export never sits in memory, whatever the
   * store's driver does with a result set, and holds no transaction open while the client reads.
   *
   * @return how many records were handed over
   */
  public long export(LogFilter filter, int limit, RecordConsumer consumer)
      throws SQLException, java.io.IOException {
    long remaining = Math.min(limit, EXPORT_MAX_ROWS);
    long count = 0;
    LogQuery.Cursor after = null;
    boolean more = true;
    List<ObjectNode> page = new ArrayList<>(EXPORT_PAGE);
    while (more && remaining > 0) {
      page.clear();
      try (Connection connection = store.connection()) {
        more = page(connection, filter, after, (int) Math.min(EXPORT_PAGE, remaining), page);
      }
      for (ObjectNode record : page) {
        consumer.accept(record);
      }
      count += page.size();
      remaining -= page.size();
      if (!page.isEmpty()) {
        after = cursorAfter(page);
      }
    }
    return count;
  }

  static void bind(PreparedStatement statement, List<Object> binds) throws SQLException {
    for (int i = 0; i < binds.size(); i++) {
      Object value = binds.get(i);
      switch (value) {
        case String text -> statement.setString(i + 1, text);
        case Integer number -> statement.setInt(i + 1, number);
        case Long number -> statement.setLong(i + 1, number);
        case Double number -> statement.setDouble(i + 1, number);
        default -> throw new IllegalArgumentException("cannot bind " + value.getClass());
      }
    }
  }
}
