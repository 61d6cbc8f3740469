package dev.switchboard.state;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.store.AccessStore;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

/**
 * The table of stored responses: one row per response, its id, workspace, times, and its contents
 * sealed (never in the clear), in an embedded H2 database in PostgreSQL mode or in PostgreSQL
 * shared by gateways. Every statement is a fixed string with parameters.
 */
final class ResponseStore implements AutoCloseable {
  private static final String UNIQUE_VIOLATION = "23505";

  private static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS stored_responses (
            id VARCHAR(200) PRIMARY KEY,
            workspace VARCHAR(64) NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
            ciphertext BYTEA NOT NULL,
            master_key_id CHAR(8) NOT NULL)\
          """,
          "CREATE INDEX IF NOT EXISTS stored_responses_expiry ON stored_responses (expires_at)");

  /** A stored row: its contents sealed under the master key {@code masterKeyId}. */
  record Row(
      String id,
      String workspace,
      Instant createdAt,
      Instant expiresAt,
      byte[] ciphertext,
      String masterKeyId) {}

  private final HikariDataSource dataSource;

  private ResponseStore(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Opens the store at a JDBC URL and creates its table when absent. An in-memory H2 database
   * (tests) lives as long as the JVM.
   *
   * @throws IllegalStateException when the database cannot be reached or set up
   */
  static ResponseStore open(String jdbcUrl) {
    // The access store's pool and schema step: the same URL forms, timeouts and in-memory rule;
    // one gateway at a time creates the tables on a shared PostgreSQL.
    return new ResponseStore(AccessStore.poolWithTables(jdbcUrl, "responses", SCHEMA));
  }

  /** Stores a row, replacing the one of the same id and workspace (a background response's). */
  void put(Row row) {
    try (Connection connection = dataSource.getConnection()) {
      int updated;
      try (PreparedStatement update =
          connection.prepareStatement(
              "UPDATE stored_responses SET ciphertext = ?, master_key_id = ? WHERE id = ? AND"
                  + " workspace = ?")) {
        update.setBytes(1, row.ciphertext());
        update.setString(2, row.masterKeyId());
        update.setString(3, row.id());
        update.setString(4, row.workspace());
        updated = update.executeUpdate();
      }
      if (updated == 0) {
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO stored_responses (id, workspace, created_at, expires_at, ciphertext,"
                    + " master_key_id) VALUES (?, ?, ?, ?, ?, ?)")) {
          insert.setString(1, row.id());
          insert.setString(2, row.workspace());
          insert.setObject(3, time(row.createdAt()));
          insert.setObject(4, time(row.expiresAt()));
          insert.setBytes(5, row.ciphertext());
          insert.setString(6, row.masterKeyId());
          insert.executeUpdate();
        }
      }
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return; // the id is another workspace's: never overwritten, never told
      }
      throw failure(e);
    }
  }

  /** The row of {@code id} in {@code workspace}, unless it expired by {@code now}. */
  Optional<Row> find(String id, String workspace, Instant now) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT id, workspace, created_at, expires_at, ciphertext, master_key_id FROM"
                    + " stored_responses WHERE id = ? AND workspace = ? AND expires_at > ?")) {
      select.setString(1, id);
      select.setString(2, workspace);
      select.setObject(3, time(now));
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(
                row.getString("id"),
                row.getString("workspace"),
                row.getObject("created_at", OffsetDateTime.class).toInstant(),
                row.getObject("expires_at", OffsetDateTime.class).toInstant(),
                row.getBytes("ciphertext"),
                row.getString("master_key_id").strip()));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** Deletes {@code id} of {@code workspace}; whether there was one. */
  boolean delete(String id, String workspace) {
    return update("DELETE FROM stored_responses WHERE id = ? AND workspace = ?", id, workspace) > 0;
  }

  /** Deletes every row expired by {@code now}; how many. */
  int deleteExpired(Instant now) {
    return update("DELETE FROM stored_responses WHERE expires_at <= ?", time(now));
  }

  private int update(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  /** The pooled connections, for the sweep's cluster-wide lock ({@code SingletonJobs}). */
  javax.sql.DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    dataSource.close();
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static GatewayUnavailableException failure(SQLException e) {
    // Never the database's message: it may quote a row's values.
    return new GatewayUnavailableException(
        "The gateway's responses store failed (SQL state " + e.getSQLState() + "); try again.", e);
  }
}
