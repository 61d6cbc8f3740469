package dev.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.testkit.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreTest {
  @TempDir Path directory;

  @Test
  void duckDbKeepsEveryRecordOnceWithItsMetadata() throws SQLException {
    try (LogStore store = LogStore.embedded(directory)) {
      writesEachRecordOnce(store);
    }
  }

  @Test
  void postgresKeepsEveryRecordOnceWithItsMetadata() throws SQLException {
    try (LogStore store = LogStore.postgres(TestPostgres.freshSchemaUrl(), 2000)) {
      writesEachRecordOnce(store);
    }
  }

  @Test
  void aDuckDbLogMadeWithKeysIsRebuiltWithoutThemKeepingItsRows() throws SQLException {
    RequestRecord stored = SampleRecords.chat("team-a");
    try (Connection keyed =
            java.sql.DriverManager.getConnection(
                "jdbc:duckdb:" + directory.resolve("requests.duckdb"));
        var statement = keyed.createStatement()) {
      statement.execute(
          "CREATE TABLE requests (id VARCHAR PRIMARY KEY, trace_id VARCHAR,"
              + " started_at_ms BIGINT NOT NULL, retries INTEGER NOT NULL,"
              + " fallback_used BOOLEAN NOT NULL, status INTEGER NOT NULL,"
              + " latency_ms DOUBLE PRECISION NOT NULL, streamed BOOLEAN NOT NULL,"
              + " attempt_count INTEGER NOT NULL)");
      statement.execute("CREATE INDEX requests_trace ON requests (trace_id)");
      statement.execute(
          "INSERT INTO requests VALUES ('"
              + stored.id()
              + "', 'trace-old', 1, 0, false, 200, 1.5, false, 1)");
    }
    try (LogStore store = LogStore.embedded(directory);
        Connection connection = store.connection()) {
      ResultSet keys =
          connection
              .createStatement()
              .executeQuery(
                  "SELECT count(*) FROM duckdb_constraints()"
                      + " WHERE constraint_type = 'PRIMARY KEY'"
                      + " AND table_name IN ('requests', 'request_metadata')");
      assertThat(keys.next()).isTrue();
      assertThat(keys.getLong(1)).isZero();
      store.writeAgain(List.of(stored, SampleRecords.chat("team-b")));
      ResultSet rows =
          connection
              .createStatement()
              .executeQuery("SELECT trace_id FROM requests ORDER BY started_at_ms");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("trace-old");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("trace-team-b");
      assertThat(rows.next()).isFalse();
    }
  }

  private static void writesEachRecordOnce(LogStore store) throws SQLException {
    List<RequestRecord> batch =
        List.of(
            SampleRecords.chat("team-a"),
            SampleRecords.chat("team-b"),
            SampleRecords.chat("team-a"));
    store.write(batch);
    // A spill read back after a kill -9: what was stored is skipped, the rest written.
    store.writeAgain(List.of(batch.get(0), batch.get(1), SampleRecords.chat("team-c")));
    try (Connection connection = store.connection();
        ResultSet rows =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT m.value, count(*), sum(r.prompt_tokens), sum(r.cost_usd)"
                        + " FROM requests r JOIN request_metadata m ON m.request_id = r.id"
                        + " WHERE m.key = 'team' GROUP BY m.value ORDER BY m.value")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("team-a");
      assertThat(rows.getLong(2)).isEqualTo(2);
      assertThat(rows.getLong(3)).isEqualTo(20);
      assertThat(rows.getBigDecimal(4)).isEqualByComparingTo("0.004");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("team-b");
      assertThat(rows.getLong(2)).isEqualTo(1);
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("team-c");
      assertThat(rows.getLong(2)).isEqualTo(1);
      assertThat(rows.next()).isFalse();
    }
  }
}
