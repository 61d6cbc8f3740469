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

  private static void writesEachRecordOnce(LogStore store) throws SQLException {
    List<RequestRecord> batch =
        List.of(
            SampleRecords.chat("team-a"),
            SampleRecords.chat("team-b"),
            SampleRecords.chat("team-a"));
    store.write(batch);
    store.write(batch); // a batch written again after a failure is not duplicated
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
      assertThat(rows.next()).isFalse();
    }
  }
}
