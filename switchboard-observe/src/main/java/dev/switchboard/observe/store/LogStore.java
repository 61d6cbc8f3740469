package dev.switchboard.observe.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.engine.cluster.ClusterNode;
import dev.switchboard.engine.cluster.NodeRegistry;
import dev.switchboard.engine.cluster.SchemaMigrations;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.postgresql.PGConnection;

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
  /**
   * A column of {@code requests}: its name, its SQL type, and the value a record stores in it
   * ({@code null} for SQL NULL).
   */
  private record Column(String name, int sqlType, Function<RequestRecord, Object> value) {}

  /**
   * The columns of {@code requests}, in the order {@link #write} binds them, which is also the
   * order of the logs API's fields ({@code RecordJson.FIELDS} is made from it). The table's own
   * column order ({@link #SCHEMA}) may differ: every statement names its columns.
   */
  private static final List<Column> REQUEST_COLUMNS =
      List.of(
          new Column("id", Types.VARCHAR, RequestRecord::id),
          new Column("trace_id", Types.VARCHAR, RequestRecord::traceId),
          new Column("traceparent", Types.VARCHAR, RequestRecord::traceparent),
          new Column("started_at_ms", Types.BIGINT, record -> record.startedAt().toEpochMilli()),
          new Column("method", Types.VARCHAR, RequestRecord::method),
          new Column("path", Types.VARCHAR, RequestRecord::path),
          new Column("workspace", Types.VARCHAR, RequestRecord::workspace),
          new Column("api_key_id", Types.VARCHAR, RequestRecord::apiKeyId),
          new Column("config", Types.VARCHAR, RequestRecord::config),
          new Column("request_model", Types.VARCHAR, RequestRecord::requestModel),
          new Column("provider", Types.VARCHAR, RequestRecord::provider),
          new Column("model", Types.VARCHAR, RequestRecord::model),
          new Column("option_path", Types.VARCHAR, RequestRecord::optionPath),
          new Column("retries", Types.INTEGER, RequestRecord::retries),
          new Column("fallback_used", Types.BOOLEAN, RequestRecord::fallbackUsed),
          new Column("cache_status", Types.VARCHAR, RequestRecord::cacheStatus),
          new Column("cache_age_seconds", Types.BIGINT, RequestRecord::cacheAgeSeconds),
          new Column("status", Types.INTEGER, RequestRecord::status),
          new Column("error_type", Types.VARCHAR, RequestRecord::errorType),
          new Column("prompt_tokens", Types.INTEGER, RequestRecord::promptTokens),
          new Column("completion_tokens", Types.INTEGER, RequestRecord::completionTokens),
          new Column("cached_tokens", Types.INTEGER, RequestRecord::cachedTokens),
          new Column("cost_usd", Types.DECIMAL, RequestRecord::costUsd),
          new Column("saved_cost_usd", Types.DECIMAL, RequestRecord::savedCostUsd),
          new Column("latency_ms", Types.DOUBLE, RequestRecord::latencyMs),
          new Column("ttft_ms", Types.DOUBLE, RequestRecord::ttftMs),
          new Column("streamed", Types.BOOLEAN, RequestRecord::streamed),
          new Column(
              "stream_end",
              Types.VARCHAR,
              record -> record.streamEnd() == null ? null : record.streamEnd().name()),
          new Column("guardrails", Types.VARCHAR, RequestRecord::guardrails),
          new Column("metadata", Types.VARCHAR, record -> metadataJson(record.metadata())),
          new Column("attempts", Types.VARCHAR, record -> attemptsJson(record.attempts())),
          new Column("request_body", Types.VARCHAR, RequestRecord::requestBody),
          new Column("response_body", Types.VARCHAR, RequestRecord::responseBody),
          new Column("arm", Types.VARCHAR, RequestRecord::arm),
          new Column(
              "output_checks_failed",
              Types.VARCHAR,
              record ->
                  record.outputChecksFailed().isEmpty()
                      ? null
                      : String.join(",", record.outputChecksFailed())),
          new Column("shadow_of", Types.VARCHAR, RequestRecord::shadowOf),
          new Column("text_digest", Types.VARCHAR, record -> record.answerDigest().text()),
          new Column(
              "tool_calls_digest", Types.VARCHAR, record -> record.answerDigest().toolCalls()));

  /**
   * The names of the columns of {@code requests} a record is written to, in the order {@link
   * #write} binds them.
   */
  public static final List<String> COLUMNS = REQUEST_COLUMNS.stream().map(Column::name).toList();

  /**
   * PostgreSQL's index for time ranges. DuckDB has no use for it: its row groups carry each
   * column's minimum and maximum, and records arrive in time order, so a time range skips the row
   * groups outside it without an index; an ART index there only costs every insert (and memory). A
   * DuckDB file made before this drops it.
   */
  private static final String STARTED_INDEX =
      "CREATE INDEX IF NOT EXISTS requests_started ON requests (started_at_ms)";

  /**
   * The indexes and keys DuckDB goes without. An index there is an ART kept in DuckDB's memory and
   * updated by every append: the primary keys of {@code requests} and {@code request_metadata} and
   * the trace id's index cost the writer a fifth of its CPU per record and held most of DuckDB's
   * memory under load. Without them a lookup by id or trace id scans the column (the ids, UUIDv7,
   * rise with time, so the row groups' minimum and maximum skip most of it), and the store does not
   * refuse a stored id by itself: {@link #writeAgain} skips them.
   */
  private static final List<String> DUCKDB_UNINDEXED =
      List.of(STARTED_INDEX, "CREATE INDEX IF NOT EXISTS requests_trace ON requests (trace_id)");

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
            attempt_count INTEGER,
            attempts VARCHAR,
            metadata VARCHAR,
            request_body VARCHAR,
            response_body VARCHAR,
            arm VARCHAR,
            output_checks_failed VARCHAR,
            shadow_of VARCHAR,
            text_digest VARCHAR,
            tool_calls_digest VARCHAR
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
            metadata VARCHAR,
            workspace VARCHAR
          )\
          """,
          // Feedback belongs to its writer's workspace (a log made before it had none).
          "ALTER TABLE feedback ADD COLUMN IF NOT EXISTS workspace VARCHAR",
          // A sticky load balancer's arm (a log made before it had none).
          "ALTER TABLE requests ADD COLUMN IF NOT EXISTS arm VARCHAR",
          // The ids of the failed output checks, comma-separated (a log made before: none).
          "ALTER TABLE requests ADD COLUMN IF NOT EXISTS output_checks_failed VARCHAR",
          // A shadow's link to its client's request, and the answers' digests that compare them
          // (a log made before shadows: none).
          "ALTER TABLE requests ADD COLUMN IF NOT EXISTS shadow_of VARCHAR",
          "ALTER TABLE requests ADD COLUMN IF NOT EXISTS text_digest VARCHAR",
          "ALTER TABLE requests ADD COLUMN IF NOT EXISTS tool_calls_digest VARCHAR",
          STARTED_INDEX,
          "CREATE INDEX IF NOT EXISTS requests_trace ON requests (trace_id)",
          "CREATE INDEX IF NOT EXISTS requests_shadow_of ON requests (shadow_of)",
          "CREATE INDEX IF NOT EXISTS feedback_trace ON feedback (trace_id)");

  /**
   * The request log's versioned schema steps (docs/deployment.md, "Upgrades"). Generation 2 retires
   * {@code requests.attempt_count}, the length of {@code attempts}, which nothing reads: this
   * release no longer writes it, so its expand step drops its {@code NOT NULL} (a gateway of the
   * release before still writes it), and its contract step drops the column once no such gateway is
   * left ({@code attempt_count} is in {@link #SCHEMA} only for them: a log they made has it).
   */
  static final List<SchemaMigrations.Step> STEPS =
      List.of(
          new SchemaMigrations.Step(
              "logs",
              2,
              SchemaMigrations.Phase.EXPAND,
              List.of("ALTER TABLE requests ALTER COLUMN attempt_count DROP NOT NULL")),
          new SchemaMigrations.Step(
              "logs",
              2,
              SchemaMigrations.Phase.CONTRACT,
              List.of("ALTER TABLE requests DROP COLUMN IF EXISTS attempt_count")));

  /**
   * {@link #STEPS} as DuckDB takes them: it alters no table that has an index, and the embedded
   * store's contract runs with its expand (one process), so the index goes for the drop and comes
   * back.
   */
  private static final List<SchemaMigrations.Step> DUCKDB_STEPS =
      List.of(
          new SchemaMigrations.Step("logs", 2, SchemaMigrations.Phase.EXPAND, List.of()),
          new SchemaMigrations.Step(
              "logs",
              2,
              SchemaMigrations.Phase.CONTRACT,
              List.of(
                  "DROP INDEX IF EXISTS requests_shadow_of",
                  "ALTER TABLE requests DROP COLUMN IF EXISTS attempt_count",
                  "CREATE INDEX IF NOT EXISTS requests_shadow_of ON requests (shadow_of)")));

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

  /**
   * An embedded store: a DuckDB file {@code requests.duckdb} in {@code directory}, opened by this
   * process alone (DuckDB locks the file for one writing process).
   *
   * <p>A commit appends the batch to DuckDB's write-ahead log ({@code requests.duckdb.wal}) before
   * it returns, so a committed batch survives the process being killed; the next open replays the
   * log. DuckDB folds the log into the file (a checkpoint) when it passes {@code
   * checkpoint_threshold} (16 MB by default) and when the last connection closes.
   *
   * @throws IllegalStateException when the file cannot be opened, with a message that says why:
   *     most often another gateway already uses the same directory
   */
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
    // DuckDB's defaults are for an analytics workstation: 80 % of the machine's memory and a thread
    // per core. A gateway's log needs little of either: writes are appends of a few hundred rows,
    // and what the analytics' aggregations need beyond the limit DuckDB spills to a temporary
    // directory beside the file (requests.duckdb.tmp).
    config.addDataSourceProperty("memory_limit", DUCKDB_MEMORY_LIMIT);
    config.addDataSourceProperty("threads", Integer.toString(DUCKDB_THREADS));
    // Open the file now: a second gateway on the same directory must fail at start, not later.
    config.setInitializationFailTimeout(1);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw cannotOpen(file, e);
    }
    LogStore store = new LogStore("duckdb " + file, Kind.DUCKDB, pool, pool);
    try {
      store.createSchema();
    } catch (IllegalStateException e) {
      pool.close();
      throw cannotOpen(file, e);
    }
    return store;
  }

  /**
   * The most memory the embedded store's DuckDB uses (its buffer pool: table data, indexes, the
   * analytics' working memory), beside the JVM's heap; DuckDB's own default is 80 % of the
   * machine's memory.
   */
  public static final String DUCKDB_MEMORY_LIMIT = "128MB";

  /**
   * The embedded store's DuckDB threads (its default: one per core). One: DuckDB then works on the
   * calling thread only (the log's writer, or the request that asks for analytics), with no worker
   * of its own beside it. With two, the writer's own CPU per record was the same and DuckDB's
   * worker spent about 5 µs a record more beside it (docs/benchmarks.md, 2026-12-08).
   */
  public static final int DUCKDB_THREADS = 1;

  private static IllegalStateException cannotOpen(Path file, RuntimeException failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && message.contains("Could not set lock on file")) {
        // DuckDB names the process that holds it: "Conflicting lock is held in … (PID 1234)".
        int held = message.indexOf("Conflicting lock is held in");
        String holder =
            held < 0 ? "" : " (" + message.substring(held).lines().findFirst().orElse("") + ")";
        return new IllegalStateException(
            "the request log "
                + file
                + " is in use by another process"
                + holder
                + ": each gateway needs its own logs.directory, or share a PostgreSQL store"
                + " with logs.store",
            failure);
      }
    }
    return new IllegalStateException("cannot open the request log " + file, failure);
  }

  /**
   * A PostgreSQL store, shared by every gateway given the same URL: {@code
   * jdbc:postgresql://host:5432/db?user=…}. Failures are quick, so the writer's retry loop, not a
   * hung socket, decides how a database outage goes: the pool waits at most {@code timeoutMillis}
   * for a connection, the driver at most as long to connect (and {@link #STATEMENT_TIMEOUT_SECONDS}
   * for a reply once connected). A database that is down at start is no error: the schema is
   * created on the first write that succeeds.
   */
  public static LogStore postgres(String jdbcUrl, long timeoutMillis) {
    long timeout = Math.max(250, timeoutMillis);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("request-log-postgres");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(timeout);
    config.setValidationTimeout(timeout);
    config.setInitializationFailTimeout(-1);
    // The driver's own timeouts, in seconds; a URL that sets them wins.
    long seconds = Math.max(1, (timeout + 999) / 1000);
    config.addDataSourceProperty("connectTimeout", Long.toString(seconds));
    config.addDataSourceProperty("loginTimeout", Long.toString(seconds));
    config.addDataSourceProperty("socketTimeout", Integer.toString(STATEMENT_TIMEOUT_SECONDS));
    config.addDataSourceProperty("tcpKeepAlive", "true");
    // Sessions of a registered gateway (SchemaMigrations: its contract steps count them).
    config.addDataSourceProperty("ApplicationName", ClusterNode.applicationName());
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

  /**
   * The longest a PostgreSQL statement may wait for the server's reply before the connection is
   * dropped and the batch tried again: a server that stopped answering without closing the
   * connection would otherwise hold the writer forever.
   */
  public static final int STATEMENT_TIMEOUT_SECONDS = 30;

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
    try {
      SchemaMigrations.expand(
          dataSource, this::createBaseline, kind == Kind.DUCKDB ? DUCKDB_STEPS : STEPS);
      if (kind == Kind.POSTGRESQL && registry == null) {
        registry = NodeRegistry.join(dataSource, "request log", STEPS);
      }
      schemaReady = true;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the request log schema in " + this, e);
    }
  }

  private void createBaseline(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String ddl : SCHEMA) {
        if (kind != Kind.DUCKDB) {
          statement.execute(ddl);
        } else if (DUCKDB_UNINDEXED.contains(ddl)) {
          statement.execute("DROP INDEX IF EXISTS " + ddl.split(" ")[5]);
        } else {
          statement.execute(unkeyed(ddl));
        }
      }
    }
    if (kind == Kind.DUCKDB) {
      dropDuckDbKeys(connection, "requests");
      dropDuckDbKeys(connection, "request_metadata");
    }
  }

  /**
   * This store's own registration in a shared PostgreSQL database, whose heartbeat also runs the
   * contract steps ({@link #STEPS}) once no gateway of an earlier release is left.
   */
  private volatile NodeRegistry registry;

  /** Whether the store's contract steps wait, and for what ({@code null}: they are applied). */
  public String contractWaitingFor() {
    NodeRegistry current = registry;
    return current == null ? null : current.waitingFor();
  }

  /** A table's DDL for DuckDB: without its primary key ({@link #DUCKDB_UNINDEXED}). */
  private static String unkeyed(String ddl) {
    return ddl.replace("id VARCHAR PRIMARY KEY,\n  trace_id", "id VARCHAR NOT NULL,\n  trace_id")
        .replace(",\n  PRIMARY KEY (request_id, key)", "");
  }

  /**
   * Rebuilds a DuckDB table made with its primary key (a log from before {@link #DUCKDB_UNINDEXED})
   * without it, rows kept, in one transaction: DuckDB cannot drop a key.
   */
  private static void dropDuckDbKeys(Connection connection, String table) throws SQLException {
    try (PreparedStatement keys =
        connection.prepareStatement(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ?"
                + " AND constraint_type = 'PRIMARY KEY'")) {
      keys.setString(1, table);
      try (ResultSet count = keys.executeQuery()) {
        if (!count.next() || count.getLong(1) == 0) {
          return;
        }
      }
    }
    String ddl =
        SCHEMA.stream()
            .filter(d -> d.startsWith("CREATE TABLE IF NOT EXISTS " + table + " ("))
            .findFirst()
            .map(LogStore::unkeyed)
            .orElseThrow()
            .replace("CREATE TABLE IF NOT EXISTS " + table, "CREATE TABLE " + table + "_unkeyed");
    List<String> kept = new ArrayList<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                + " AND table_schema = 'main'")) {
      query.setString(1, table);
      try (ResultSet names = query.executeQuery()) {
        while (names.next()) {
          kept.add(names.getString(1));
        }
      }
    }
    kept.retainAll(table.equals("requests") ? COLUMNS : METADATA_COLUMNS);
    String columns = String.join(", ", kept);
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute(ddl);
      statement.execute(
          "INSERT INTO "
              + table
              + "_unkeyed ("
              + columns
              + ") SELECT "
              + columns
              + " FROM "
              + table);
      statement.execute("DROP TABLE " + table);
      statement.execute("ALTER TABLE " + table + "_unkeyed RENAME TO " + table);
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /**
   * Writes a batch of records that were never written before, in one transaction, through the
   * store's bulk path. Once this returns, the records are committed: they survive the gateway's
   * process being killed. PostgreSQL refuses a stored id (its primary key) and the batch is then
   * written as {@link #writeAgain} writes it; the embedded DuckDB store keeps no key, so a batch
   * that may hold stored records must go through {@link #writeAgain}. A batch whose write failed
   * was not written, and may be written here again.
   *
   * @throws SQLException when the store cannot take the batch; nothing of it was written
   */
  public void write(List<RequestRecord> batch) throws SQLException {
    write(batch, false);
  }

  /**
   * Writes a batch of records of which some may be stored already (a spill file read back after the
   * process was killed between writing its records and moving past them): those are skipped, the
   * others written in one transaction. Several times {@link #write}'s cost per record.
   *
   * @throws SQLException when the store cannot take the batch; nothing of it was written
   */
  public void writeAgain(List<RequestRecord> batch) throws SQLException {
    write(batch, true);
  }

  private void write(List<RequestRecord> batch, boolean mayRepeat) throws SQLException {
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
    List<Object[]> rows = new ArrayList<>(batch.size());
    List<Object[]> metadataRows = new ArrayList<>();
    for (RequestRecord record : batch) {
      rows.add(values(record));
      for (Map.Entry<String, String> entry : record.metadata().entrySet()) {
        metadataRows.add(
            new Object[] {
              record.id(), record.startedAt().toEpochMilli(), entry.getKey(), entry.getValue()
            });
      }
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        try {
          if (mayRepeat) {
            merge(connection, rows, metadataRows);
          } else {
            append(connection, "requests", COLUMNS, rows);
            append(connection, "request_metadata", METADATA_COLUMNS, metadataRows);
          }
          connection.commit();
        } catch (SQLException first) {
          if (mayRepeat || first.getSQLState() == null || !first.getSQLState().startsWith("23")) {
            throw first;
          }
          // A constraint refused the batch: most often an id already stored (a batch written
          // again, a spill replayed after a crash). The same rows again, through the path that
          // skips stored ids; a record that breaks another constraint fails here too.
          connection.rollback();
          merge(connection, rows, metadataRows);
          connection.commit();
        }
      } catch (SQLException | RuntimeException e) {
        if (e instanceof SQLException sql
            && sql.getSQLState() != null
            && sql.getSQLState().startsWith("08")
            && resource instanceof HikariDataSource pool) {
          // The COPY runs on the driver's own connection (unwrapped), so the pool did not see
          // the connection break, and would hand it out again: take it out of the pool.
          pool.evictConnection(connection);
        }
        // On a broken connection the rollback fails too; the first failure says why.
        try {
          connection.rollback();
          connection.setAutoCommit(true);
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
      connection.setAutoCommit(true);
    }
  }

  /**
   * The bulk path, which checks no conflict itself (the primary keys refuse a stored id, and the
   * caller then takes {@link #merge}): DuckDB's appender straight into the table (column vectors,
   * no SQL per row), or PostgreSQL's {@code COPY … FROM STDIN} (one round trip, no per-row bind).
   */
  private void append(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    if (kind == Kind.DUCKDB) {
      appendToDuckDb(connection, table, columns, rows);
    } else {
      copyToPostgres(connection, table, columns, rows);
    }
  }

  /** The rows again, skipping every id (and metadata key) already stored. */
  private void merge(Connection connection, List<Object[]> rows, List<Object[]> metadataRows)
      throws SQLException {
    if (kind == Kind.DUCKDB) {
      appendThroughStaging(connection, "requests", COLUMNS, rows, List.of("id"));
      appendThroughStaging(
          connection,
          "request_metadata",
          METADATA_COLUMNS,
          metadataRows,
          List.of("request_id", "key"));
    } else {
      insertRows(connection, "requests", COLUMNS, COLUMN_TYPES, rows, "id");
      insertRows(
          connection,
          "request_metadata",
          METADATA_COLUMNS,
          METADATA_TYPES,
          metadataRows,
          "request_id, key");
    }
  }

  /**
   * For each column of a DuckDB table in the table's own order, the index of its value in a row of
   * {@code columns} ({@code -1}: a column this store does not write, appended as NULL). The
   * appender fills a table's columns in their declared order, which need not be the order of {@link
   * #COLUMNS}; read once per table.
   */
  private final Map<String, int[]> duckDbColumnOrder = new ConcurrentHashMap<>();

  private void appendToDuckDb(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    int[] order = duckDbColumnOrder.get(table);
    if (order == null) {
      List<Integer> indices = new ArrayList<>();
      try (PreparedStatement query =
          connection.prepareStatement(
              "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                  + " AND table_schema = 'main' ORDER BY ordinal_position")) {
        query.setString(1, table);
        try (ResultSet names = query.executeQuery()) {
          while (names.next()) {
            indices.add(columns.indexOf(names.getString(1)));
          }
        }
      }
      order = indices.stream().mapToInt(Integer::intValue).toArray();
      duckDbColumnOrder.put(table, order);
    }
    try (DuckDBAppender appender =
        connection.unwrap(DuckDBConnection.class).createAppender("main", table)) {
      for (Object[] row : rows) {
        appender.beginRow();
        for (int index : order) {
          appendValue(appender, index < 0 ? null : row[index]);
        }
        appender.endRow();
      }
      appender.flush();
    }
  }

  private static void appendValue(DuckDBAppender appender, Object value) throws SQLException {
    switch (value) {
      case null -> appender.appendNull();
      case String text -> appender.append(text);
      case Integer number -> appender.append(number.intValue());
      case Long number -> appender.append(number.longValue());
      case Double number -> appender.append(number.doubleValue());
      case Boolean flag -> appender.append(flag.booleanValue());
      // The appender takes a decimal at the column's scale only, DECIMAL(20, 10).
      case BigDecimal decimal -> appender.append(decimal.setScale(10, RoundingMode.HALF_EVEN));
      default -> throw new IllegalArgumentException("no column takes a " + value.getClass());
    }
  }

  /**
   * PostgreSQL: the rows as {@code COPY}'s text format (tab-separated, {@code \N} for NULL,
   * backslash escapes), sent in one stream; the server parses each value as an {@code INSERT}'s
   * parameter of the column's type would be.
   */
  private static void copyToPostgres(
      Connection connection, String table, List<String> columns, List<Object[]> rows)
      throws SQLException {
    StringBuilder text = new StringBuilder(rows.size() * 320);
    for (Object[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        if (i > 0) {
          text.append('\t');
        }
        copyValue(text, row[i]);
      }
      text.append('\n');
    }
    byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
    try {
      connection
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn(
              "COPY " + table + " (" + String.join(", ", columns) + ") FROM STDIN",
              new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new SQLException("the COPY of " + table + " failed to send", "08006", e);
    }
  }

  private static void copyValue(StringBuilder text, Object value) {
    switch (value) {
      case null -> text.append("\\N");
      case String string -> {
        for (int i = 0; i < string.length(); i++) {
          char c = string.charAt(i);
          switch (c) {
            case '\\' -> text.append("\\\\");
            case '\n' -> text.append("\\n");
            case '\r' -> text.append("\\r");
            case '\t' -> text.append("\\t");
            default -> text.append(c);
          }
        }
      }
      case Boolean flag -> text.append(flag ? 't' : 'f');
      case BigDecimal decimal -> text.append(decimal.toPlainString());
      default -> text.append(value); // Integer, Long, Double: their Java text is PostgreSQL's
    }
  }

  /**
   * DuckDB's merge: rows go through its appender into a temporary table of this connection, then
   * one {@code INSERT … SELECT … WHERE NOT EXISTS} (the table has no key to conflict on) moves
   * those whose key is not stored yet, in the caller's transaction. Several times the bulk path's
   * cost (the lookup and a second copy of every row), so only a batch that may repeat stored
   * records comes here. Prepared inserts cost DuckDB a few milliseconds per statement (and more per
   * parameter), which capped the log at a few hundred records a second.
   */
  private static void appendThroughStaging(
      Connection connection,
      String table,
      List<String> columns,
      List<Object[]> rows,
      List<String> key)
      throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    String staging = table + "_staging";
    String names = String.join(", ", columns);
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TEMP TABLE IF NOT EXISTS "
              + staging
              + " AS SELECT "
              + names
              + " FROM "
              + table
              + " LIMIT 0");
      statement.execute("DELETE FROM " + staging); // what a failed batch may have left
    }
    try (DuckDBAppender appender =
        connection.unwrap(DuckDBConnection.class).createAppender("temp", "main", staging)) {
      for (Object[] row : rows) {
        appender.beginRow();
        for (Object value : row) {
          appendValue(appender, value);
        }
        appender.endRow();
      }
      appender.flush();
    }
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "INSERT INTO "
              + table
              + " ("
              + names
              + ") SELECT "
              + names
              + " FROM "
              + staging
              + " s WHERE NOT EXISTS (SELECT 1 FROM "
              + table
              + " t WHERE "
              + key.stream().map(k -> "t." + k + " = s." + k).collect(Collectors.joining(" AND "))
              + ")");
      statement.execute("DELETE FROM " + staging);
    }
  }

  /**
   * PostgreSQL's merge: prepared multi-row inserts, {@link #ROWS_PER_STATEMENT} rows each, {@code
   * ON CONFLICT DO NOTHING}.
   */
  private static void insertRows(
      Connection connection,
      String table,
      List<String> columns,
      int[] types,
      List<Object[]> rows,
      String key)
      throws SQLException {
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      try (PreparedStatement insert =
          connection.prepareStatement(insert(table, columns, chunk.size(), key))) {
        int parameter = 1;
        for (Object[] row : chunk) {
          for (int column = 0; column < row.length; column++) {
            if (row[column] == null) {
              insert.setNull(parameter++, types[column]);
            } else {
              insert.setObject(parameter++, row[column], types[column]);
            }
          }
        }
        insert.executeUpdate();
      }
    }
  }

  /** Rows in one INSERT: 100 × 34 parameters stays far below PostgreSQL's 65,535. */
  private static final int ROWS_PER_STATEMENT = 100;

  private static final List<String> METADATA_COLUMNS =
      List.of("request_id", "started_at_ms", "key", "value");

  private static final int[] METADATA_TYPES = {
    Types.VARCHAR, Types.BIGINT, Types.VARCHAR, Types.VARCHAR
  };

  /** The SQL type of each of {@link #COLUMNS}, in order. */
  private static final int[] COLUMN_TYPES =
      REQUEST_COLUMNS.stream().mapToInt(Column::sqlType).toArray();

  /** {@code INSERT INTO table (…) VALUES (?, …), … ON CONFLICT (key) DO NOTHING}. */
  private static String insert(String table, List<String> columns, int rows, String key) {
    String row = "(" + "?, ".repeat(columns.size() - 1) + "?)";
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(table)
            .append(" (")
            .append(String.join(", ", columns))
            .append(") VALUES ");
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append(row);
    }
    return sql.append(" ON CONFLICT (").append(key).append(") DO NOTHING").toString();
  }

  /** A record's values in the order of {@link #COLUMNS}; {@code null} for SQL NULL. */
  private static Object[] values(RequestRecord record) {
    Object[] values = new Object[REQUEST_COLUMNS.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = REQUEST_COLUMNS.get(i).value().apply(record);
    }
    return values;
  }

  /**
   * A record's attempts as the JSON text the {@code attempts} column holds. Written with the shared
   * mapper's generator field by field (no tree of nodes in between): the same text, at a fraction
   * of the cost, on the writer's path for every record.
   */
  public static String attemptsJson(List<AttemptRecord> attempts) {
    StringWriter text = new StringWriter(192 * attempts.size() + 2);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartArray();
      for (AttemptRecord attempt : attempts) {
        json.writeStartObject();
        json.writeNumberField("index", attempt.index());
        json.writeStringField("provider", attempt.provider());
        json.writeStringField("model", attempt.model());
        json.writeStringField("option_path", attempt.optionPath());
        json.writeNumberField("retry", attempt.retry());
        json.writeNumberField("started_at_ms", attempt.startedAt().toEpochMilli());
        json.writeNumberField("duration_ms", attempt.durationMs());
        json.writeNumberField("status", attempt.status());
        json.writeStringField("error_type", attempt.errorType());
        json.writeStringField("cache_status", attempt.cacheStatus());
        json.writeNumberField("wait_after_ms", attempt.waitAfterMs());
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text.toString();
  }

  private static String metadataJson(Map<String, String> metadata) {
    StringWriter text = new StringWriter(32 * metadata.size() + 2);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      for (Map.Entry<String, String> entry : metadata.entrySet()) {
        json.writeStringField(entry.getKey(), entry.getValue());
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  private static final JsonFactory JSON = WireJson.mapper().getFactory();

  @Override
  public void close() {
    NodeRegistry current = registry;
    if (current != null) {
      current.close();
    }
    try {
      resource.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the request log store failed", e);
    }
  }
}
