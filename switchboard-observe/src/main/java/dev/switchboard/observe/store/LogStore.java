package dev.switchboard.observe.store;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Where request records are kept: an embedded DuckDB file in the gateway's data directory, or a
 * PostgreSQL database that several gateways share. One schema and one SQL dialect serve both (the
 * subset the two have in common: {@code percentile_cont … WITHIN GROUP}, {@code ON CONFLICT DO
 * NOTHING}, integer time buckets over epoch milliseconds), and every statement is parameterised.
 *
 * <p>Tables: {@code requests} (one row per request record; its attempts and metadata as JSON text),
 * {@code request_metadata} (one row per metadata key, so analytics group by any key with a join and
 * no JSON functions), and {@code feedback}.
 */
public final class LogStore implements AutoCloseable {
  /** The columns of {@code requests}, in the order {@link #write} binds them. */
  static final List<String> COLUMNS =
      List.of(
          "id",
          "trace_id",
          "traceparent",
          "started_at_ms",
          "method",
          "path",
          "workspace",
          "api_key_id",
          "config",
          "request_model",
          "provider",
          "model",
          "option_path",
          "retries",
          "fallback_used",
          "cache_status",
          "cache_age_seconds",
          "status",
          "error_type",
          "prompt_tokens",
          "completion_tokens",
          "cached_tokens",
          "cost_usd",
          "saved_cost_usd",
          "latency_ms",
          "ttft_ms",
          "streamed",
          "stream_end",
          "guardrails",
          "attempt_count",
          "attempts",
          "metadata",
          "request_body",
          "response_body");

  private static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS requests (
            id VARCHAR PRIMARY KEY,
            trace_id VARCHAR,
            traceparent VARCHAR,
            started_at_ms BIGINT NOT NULL,
            method VARCHAR,
            path VARCHAR,
            workspace VARCHAR,
            api_key_id VARCHAR,
            config VARCHAR,
            request_model VARCHAR,
            provider VARCHAR,
            model VARCHAR,
            option_path VARCHAR,
            retries INTEGER NOT NULL,
            fallback_used BOOLEAN NOT NULL,
            cache_status VARCHAR,
            cache_age_seconds BIGINT,
            status INTEGER NOT NULL,
            error_type VARCHAR,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cached_tokens INTEGER,
            cost_usd DECIMAL(20, 10),
            saved_cost_usd DECIMAL(20, 10),
            latency_ms DOUBLE PRECISION NOT NULL,
            ttft_ms DOUBLE PRECISION,
            streamed BOOLEAN NOT NULL,
            stream_end VARCHAR,
            guardrails VARCHAR,
            attempt_count INTEGER NOT NULL,
            attempts VARCHAR,
            metadata VARCHAR,
            request_body VARCHAR,
            response_body VARCHAR
          )\
          """,
          """
          CREATE TABLE IF NOT EXISTS request_metadata (
            request_id VARCHAR NOT NULL,
            started_at_ms BIGINT NOT NULL,
            key VARCHAR NOT NULL,
            value VARCHAR,
            PRIMARY KEY (request_id, key)
          )\
          """,
          """
          CREATE TABLE IF NOT EXISTS feedback (
            id VARCHAR PRIMARY KEY,
            trace_id VARCHAR NOT NULL,
            created_at_ms BIGINT NOT NULL,
            value DOUBLE PRECISION NOT NULL,
            weight DOUBLE PRECISION NOT NULL,
            metadata VARCHAR
          )\
          """,
          "CREATE INDEX IF NOT EXISTS requests_started ON requests (started_at_ms)",
          "CREATE INDEX IF NOT EXISTS requests_trace ON requests (trace_id)",
          "CREATE INDEX IF NOT EXISTS feedback_trace ON feedback (trace_id)");

  private final String description;
  private final DataSource dataSource;
  private final AutoCloseable resource;
  private final Kind kind;

  /** Which database keeps the log. */
  public enum Kind {
    DUCKDB,
    POSTGRESQL
  }

  private LogStore(String description, Kind kind, DataSource dataSource, AutoCloseable resource) {
    this.description = description;
    this.kind = kind;
    this.dataSource = dataSource;
    this.resource = resource;
  }

  /** An embedded store: a DuckDB file {@code requests.duckdb} in {@code directory}. */
  public static LogStore embedded(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create the data directory " + directory, e);
    }
    Path file = directory.resolve("requests.duckdb").toAbsolutePath();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:duckdb:" + file);
    config.setPoolName("request-log-duckdb");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(config);
    LogStore store = new LogStore("duckdb " + file, Kind.DUCKDB, pool, pool);
    store.createSchema();
    return store;
  }

  /**
   * A PostgreSQL store, shared by every gateway given the same URL: {@code
   * jdbc:postgresql://host:5432/db?user=…}. The pool waits at most {@code connectTimeoutMillis} for
   * a connection, so a database that is down fails a write quickly (the request log keeps the batch
   * and tries again).
   */
  public static LogStore postgres(String jdbcUrl, long connectTimeoutMillis) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("request-log-postgres");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(Math.max(250, connectTimeoutMillis));
    config.setValidationTimeout(Math.max(250, connectTimeoutMillis));
    config.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(config);
    LogStore store =
        new LogStore("postgresql " + redactedUrl(jdbcUrl), Kind.POSTGRESQL, pool, pool);
    try {
      store.createSchema();
    } catch (IllegalStateException down) {
      // The database may come up later: the schema is created on the first write that succeeds.
    }
    return store;
  }

  /** A URL without its password, for logs. */
  static String redactedUrl(String url) {
    return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }

  public Kind kind() {
    return kind;
  }

  /** Where the store is, for logs and {@code /v1/health}: never a password. */
  @Override
  public String toString() {
    return description;
  }

  /** A connection for queries; close it when done. */
  public Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  private volatile boolean schemaReady;

  private void createSchema() {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String ddl : SCHEMA) {
        statement.execute(ddl);
      }
      schemaReady = true;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the request log schema in " + this, e);
    }
  }

  /**
   * Writes a batch of records in one transaction; a record whose id is already stored is skipped,
   * so writing a batch again after a failure never duplicates one. Once this returns, the records
   * are committed: they survive the gateway's process being killed.
   *
   * @throws SQLException when the store cannot take the batch; nothing of it was written
   */
  public void write(List<RequestRecord> batch) throws SQLException {
    if (batch.isEmpty()) {
      return;
    }
    if (!schemaReady) {
      try {
        createSchema();
      } catch (IllegalStateException e) {
        throw e.getCause() instanceof SQLException sql ? sql : new SQLException(e);
      }
    }
    String insert =
        "INSERT INTO requests ("
            + String.join(", ", COLUMNS)
            + ") VALUES ("
            + "?, ".repeat(COLUMNS.size() - 1)
            + "?) ON CONFLICT (id) DO NOTHING";
    String insertMetadata =
        "INSERT INTO request_metadata (request_id, started_at_ms, key, value) VALUES (?, ?, ?, ?)"
            + " ON CONFLICT (request_id, key) DO NOTHING";
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement rows = connection.prepareStatement(insert);
          PreparedStatement metadata = connection.prepareStatement(insertMetadata)) {
        for (RequestRecord record : batch) {
          bind(rows, record);
          rows.addBatch();
          for (Map.Entry<String, String> entry : record.metadata().entrySet()) {
            metadata.setString(1, record.id());
            metadata.setLong(2, record.startedAt().toEpochMilli());
            metadata.setString(3, entry.getKey());
            metadata.setString(4, entry.getValue());
            metadata.addBatch();
          }
        }
        rows.executeBatch();
        metadata.executeBatch();
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    }
  }

  private static void bind(PreparedStatement statement, RequestRecord record) throws SQLException {
    int i = 1;
    statement.setString(i++, record.id());
    statement.setString(i++, record.traceId());
    statement.setString(i++, record.traceparent());
    statement.setLong(i++, record.startedAt().toEpochMilli());
    statement.setString(i++, record.method());
    statement.setString(i++, record.path());
    statement.setString(i++, record.workspace());
    statement.setString(i++, record.apiKeyId());
    statement.setString(i++, record.config());
    statement.setString(i++, record.requestModel());
    statement.setString(i++, record.provider());
    statement.setString(i++, record.model());
    statement.setString(i++, record.optionPath());
    statement.setInt(i++, record.retries());
    statement.setBoolean(i++, record.fallbackUsed());
    statement.setString(i++, record.cacheStatus());
    setLong(statement, i++, record.cacheAgeSeconds());
    statement.setInt(i++, record.status());
    statement.setString(i++, record.errorType());
    setInt(statement, i++, record.promptTokens());
    setInt(statement, i++, record.completionTokens());
    setInt(statement, i++, record.cachedTokens());
    setDecimal(statement, i++, record.costUsd());
    setDecimal(statement, i++, record.savedCostUsd());
    statement.setDouble(i++, record.latencyMs());
    if (record.ttftMs() == null) {
      statement.setNull(i++, Types.DOUBLE);
    } else {
      statement.setDouble(i++, record.ttftMs());
    }
    statement.setBoolean(i++, record.streamed());
    statement.setString(i++, record.streamEnd() == null ? null : record.streamEnd().name());
    statement.setString(i++, record.guardrails());
    statement.setInt(i++, record.attempts().size());
    statement.setString(i++, attemptsJson(record.attempts()));
    statement.setString(i++, metadataJson(record.metadata()));
    statement.setString(i++, record.requestBody());
    statement.setString(i++, record.responseBody());
  }

  /** A record's attempts as the JSON text the {@code attempts} column holds. */
  public static String attemptsJson(List<AttemptRecord> attempts) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (AttemptRecord attempt : attempts) {
      ObjectNode node = array.addObject();
      node.put("index", attempt.index());
      node.put("provider", attempt.provider());
      node.put("model", attempt.model());
      node.put("option_path", attempt.optionPath());
      node.put("retry", attempt.retry());
      node.put("started_at_ms", attempt.startedAt().toEpochMilli());
      node.put("duration_ms", attempt.durationMs());
      node.put("status", attempt.status());
      node.put("error_type", attempt.errorType());
      node.put("cache_status", attempt.cacheStatus());
      node.put("wait_after_ms", attempt.waitAfterMs());
    }
    return new String(WireJson.write(array), StandardCharsets.UTF_8);
  }

  private static String metadataJson(Map<String, String> metadata) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    metadata.forEach(node::put);
    return new String(WireJson.write(node), StandardCharsets.UTF_8);
  }

  private static void setInt(PreparedStatement statement, int index, Integer value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.INTEGER);
    } else {
      statement.setInt(index, value);
    }
  }

  private static void setLong(PreparedStatement statement, int index, Long value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.BIGINT);
    } else {
      statement.setLong(index, value);
    }
  }

  private static void setDecimal(PreparedStatement statement, int index, BigDecimal value)
      throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.DECIMAL);
    } else {
      statement.setBigDecimal(index, value);
    }
  }

  @Override
  public void close() {
    try {
      resource.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the request log store failed", e);
    }
  }
}
