package dev.switchboard.engine.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * How a store's schema changes while gateways of two releases share its database
 * (docs/deployment.md, "Upgrades"): expand, then contract.
 *
 * <ul>
 *   <li>{@link #expand}, when a store opens: under one advisory lock for the database ({@link
 *       #SCHEMA_LOCK}, the lock the access store has always taken, so releases before this one wait
 *       for it too), the store's baseline (its {@code CREATE … IF NOT EXISTS}, safe to run again)
 *       and each {@link Phase#EXPAND} step not yet recorded in {@code switchboard_schema}. An
 *       expand step only adds (a table, a nullable or defaulted column, an index) or loosens (a
 *       {@code NOT NULL} dropped): a gateway of the release before keeps working on it.
 *   <li>{@link #contract}: each {@link Phase#CONTRACT} step (a drop of what only earlier releases
 *       use) not yet recorded, once no gateway of an earlier generation can be using the database:
 *       every live node in {@code switchboard_nodes} ({@link NodeRegistry}) is of the step's
 *       generation or later and every session on the database is a live registered node's (a
 *       gateway of a release before the registry never registers, but its pool holds sessions).
 *       {@link NodeRegistry} tries it on each heartbeat; an operator can run it with {@code
 *       onlyRegistered} (sessions of other clients then do not hold it back).
 * </ul>
 *
 * An embedded database (H2, DuckDB) belongs to one process: its contract steps run with its expand
 * steps. Nothing is ever undone: a gateway never downgrades a schema, and reads and writes only the
 * columns it names, so the tables and columns a later release added do not disturb it.
 */
public final class SchemaMigrations {
  /** The advisory lock that serialises schema changes on a database ("sbacc" in ASCII). */
  public static final long SCHEMA_LOCK = 0x7362616363L;

  /** How long a contract step waits for its table's lock before it gives up until next time. */
  static final Duration CONTRACT_LOCK_TIMEOUT = Duration.ofSeconds(5);

  /** When a step runs. */
  public enum Phase {
    /** At start, while gateways of the release before may run: only adds or loosens. */
    EXPAND,
    /** Once no gateway of an earlier generation is alive: drops what only they used. */
    CONTRACT
  }

  /**
   * A schema change of one store's tables.
   *
   * @param component the store ({@code logs}, {@code access}, …), its name in {@code
   *     switchboard_schema}
   * @param generation the {@link ClusterNode#GENERATION} of the release that brought it
   * @param phase expand or contract
   * @param statements the DDL, run in order in one transaction (PostgreSQL)
   */
  public record Step(String component, int generation, Phase phase, List<String> statements) {
    public Step {
      statements = List.copyOf(statements);
    }
  }

  /** What a store does to create its tables when absent: its baseline, run on every start. */
  @FunctionalInterface
  public interface Baseline {
    void create(Connection connection) throws SQLException;
  }

  static final List<String> BOOKKEEPING =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS switchboard_schema (
            component VARCHAR(64) NOT NULL,
            generation INTEGER NOT NULL,
            phase VARCHAR(8) NOT NULL,
            applied_at_ms BIGINT NOT NULL,
            applied_by VARCHAR(100) NOT NULL,
            PRIMARY KEY (component, generation, phase))\
          """,
          """
          CREATE TABLE IF NOT EXISTS switchboard_nodes (
            id VARCHAR(100) PRIMARY KEY,
            generation INTEGER NOT NULL,
            release VARCHAR(100) NOT NULL,
            started_at_ms BIGINT NOT NULL,
            heartbeat_at_ms BIGINT NOT NULL)\
          """,
          """
          CREATE TABLE IF NOT EXISTS switchboard_jobs (
            job VARCHAR(64) PRIMARY KEY,
            round BIGINT NOT NULL,
            runs BIGINT NOT NULL,
            node VARCHAR(100),
            ran_at_ms BIGINT)\
          """);

  private SchemaMigrations() {}

  /**
   * Creates the bookkeeping tables and runs {@code baseline} and each expand step of {@code steps}
   * not yet applied, recording them; on an embedded database, its contract steps too. On PostgreSQL
   * in one transaction under {@link #SCHEMA_LOCK}, so gateways starting together take turns.
   *
   * @throws SQLException when a statement fails (nothing of it is kept on PostgreSQL)
   */
  public static void expand(DataSource dataSource, Baseline baseline, List<Step> steps)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      boolean postgres = postgres(connection);
      if (!postgres) {
        // One process: no nodes to register, no jobs to share.
        run(connection, BOOKKEEPING.subList(0, 1));
        baseline.create(connection);
        for (Step step : steps) {
          applyIfNew(connection, step);
        }
        return;
      }
      inTransaction(
          connection,
          () -> {
            lock(connection);
            run(connection, BOOKKEEPING);
            baseline.create(connection);
            for (Step step : steps) {
              if (step.phase() == Phase.EXPAND) {
                applyIfNew(connection, step);
              }
            }
            return null;
          });
    }
  }

  /** What {@link #contract} did: the steps it applied, or why it waited. */
  public record Contracted(List<Step> applied, String waitingFor) {
    /** Whether every contract step asked for is applied (now or before). */
    public boolean done() {
      return waitingFor == null;
    }
  }

  /**
   * Runs each contract step of {@code steps} not yet applied, when no gateway of an earlier
   * generation can be using the database (see the class's description); a step waits at most {@link
   * #CONTRACT_LOCK_TIMEOUT} for its tables and is otherwise tried again later.
   *
   * @param onlyRegistered whether the live registered nodes alone decide (an operator's command):
   *     then sessions that are not a registered gateway's do not hold the steps back
   * @param liveFor how recent a node's heartbeat must be for it to count as alive
   */
  public static Contracted contract(
      DataSource dataSource, List<Step> steps, boolean onlyRegistered, Duration liveFor)
      throws SQLException {
    List<Step> contract = steps.stream().filter(step -> step.phase() == Phase.CONTRACT).toList();
    try (Connection connection = dataSource.getConnection()) {
      if (!postgres(connection)) {
        return new Contracted(List.of(), null);
      }
      return inTransaction(
          connection,
          () -> {
            lock(connection);
            List<Step> pending = new ArrayList<>();
            for (Step step : contract) {
              if (!applied(connection, step)) {
                pending.add(step);
              }
            }
            if (pending.isEmpty()) {
              return new Contracted(List.of(), null);
            }
            int needed = pending.stream().mapToInt(Step::generation).max().orElseThrow();
            String waiting = olderNodes(connection, needed, onlyRegistered, liveFor);
            if (waiting != null) {
              return new Contracted(List.of(), waiting);
            }
            try (Statement statement = connection.createStatement()) {
              statement.execute(
                  "SET LOCAL lock_timeout = '" + CONTRACT_LOCK_TIMEOUT.toMillis() + "ms'");
            }
            for (Step step : pending) {
              applyIfNew(connection, step);
            }
            return new Contracted(pending, null);
          });
    }
  }

  /**
   * Why a contract step of {@code generation} must wait, or {@code null}: a live node of an earlier
   * generation, or (unless {@code onlyRegistered}) a session that is no live node's.
   */
  private static String olderNodes(
      Connection connection, int generation, boolean onlyRegistered, Duration liveFor)
      throws SQLException {
    Map<String, Integer> live = new HashMap<>();
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT id, generation, release FROM switchboard_nodes WHERE heartbeat_at_ms >= ?")) {
      query.setLong(1, System.currentTimeMillis() - liveFor.toMillis());
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          if (rows.getInt(2) < generation) {
            return "node "
                + rows.getString(1)
                + " (release "
                + rows.getString(3)
                + ", generation "
                + rows.getInt(2)
                + ")";
          }
          live.put(rows.getString(1), rows.getInt(2));
        }
      }
    }
    if (onlyRegistered) {
      return null;
    }
    int unregistered = 0;
    try (Statement statement = connection.createStatement();
        ResultSet sessions =
            statement.executeQuery(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
      while (sessions.next()) {
        String name = sessions.getString(1);
        boolean ours =
            name != null
                && name.startsWith(ClusterNode.APPLICATION_PREFIX)
                && live.containsKey(name.substring(ClusterNode.APPLICATION_PREFIX.length()));
        if (!ours) {
          unregistered++;
        }
      }
    }
    return unregistered == 0
        ? null
        : unregistered
            + " session(s) of no registered gateway (a gateway of an earlier release, or another"
            + " client)";
  }

  private static void applyIfNew(Connection connection, Step step) throws SQLException {
    if (applied(connection, step)) {
      return;
    }
    run(connection, step.statements());
    try (PreparedStatement record =
        connection.prepareStatement(
            "INSERT INTO switchboard_schema (component, generation, phase, applied_at_ms,"
                + " applied_by) VALUES (?, ?, ?, ?, ?)")) {
      record.setString(1, step.component());
      record.setInt(2, step.generation());
      record.setString(3, step.phase().name().toLowerCase(java.util.Locale.ROOT));
      record.setLong(4, System.currentTimeMillis());
      record.setString(5, ClusterNode.id());
      record.executeUpdate();
    }
  }

  private static boolean applied(Connection connection, Step step) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement(
            "SELECT 1 FROM switchboard_schema WHERE component = ? AND generation = ? AND phase = ?")) {
      query.setString(1, step.component());
      query.setInt(2, step.generation());
      query.setString(3, step.phase().name().toLowerCase(java.util.Locale.ROOT));
      try (ResultSet row = query.executeQuery()) {
        return row.next();
      }
    }
  }

  private static void lock(Connection connection) throws SQLException {
    // Held until the transaction ends, also when the gateway dies in it.
    try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
      lock.setLong(1, SCHEMA_LOCK);
      lock.execute();
    }
  }

  private static void run(Connection connection, List<String> statements) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String ddl : statements) {
        statement.execute(ddl);
      }
    }
  }

  /** Work on a connection that may fail with the database's error. */
  @FunctionalInterface
  interface Transaction<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work} in one transaction of {@code connection}: committed, or rolled back. */
  static <T> T inTransaction(Connection connection, Transaction<T> work) throws SQLException {
    connection.setAutoCommit(false);
    try {
      T result = work.run();
      connection.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  static boolean postgres(Connection connection) throws SQLException {
    return "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
  }
}
