package dev.switchboard.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A real PostgreSQL server for tests: the one at 127.0.0.1:5432 with trust authentication (as on
 * the team's machines and in CI), overridable with {@code SWITCHBOARD_TEST_POSTGRES_URL}. Each test
 * gets a schema of its own, so tests never see each other's rows.
 */
public final class TestPostgres {
  /** The server's URL, without a schema. */
  public static final String URL =
      System.getenv()
          .getOrDefault(
              "SWITCHBOARD_TEST_POSTGRES_URL",
              "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");

  private TestPostgres() {}

  /**
   * Creates an empty schema and returns a JDBC URL whose connections use it.
   *
   * @throws IllegalStateException when no PostgreSQL server answers
   */
  public static String freshSchemaUrl() {
    String schema = "sb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection connection = DriverManager.getConnection(URL);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("no PostgreSQL server at " + URL + ": " + e.getMessage(), e);
    }
    return URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }
}
