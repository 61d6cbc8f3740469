package dev.switchboard.engine.cluster;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This gateway's row in a shared PostgreSQL database's {@code switchboard_nodes} (id, schema
 * generation, release, heartbeat), kept fresh every {@link #HEARTBEAT} by a virtual thread, which
 * also tries the store's pending contract steps ({@link SchemaMigrations#contract}) after each
 * beat: they run on the first beat after the last gateway of an earlier generation is gone. The row
 * is deleted when the store closes; a gateway that died is no longer counted {@link #LIVE_FOR}
 * after its last beat.
 */
public final class NodeRegistry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRegistry.class);

  /** How often a node beats. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(2);

  /** How long after its last beat a node counts as alive. */
  public static final Duration LIVE_FOR = Duration.ofSeconds(20);

  private final DataSource dataSource;
  private final String store;
  private final List<SchemaMigrations.Step> steps;
  private final long startedAt = System.currentTimeMillis();
  private final Thread beating;
  private volatile boolean contracted;
  private volatile String waitingFor;

  private NodeRegistry(DataSource dataSource, String store, List<SchemaMigrations.Step> steps) {
    this.dataSource = dataSource;
    this.store = store;
    this.steps = List.copyOf(steps);
    this.contracted = steps.stream().noneMatch(s -> s.phase() == SchemaMigrations.Phase.CONTRACT);
    this.beating = Thread.ofVirtual().name("switchboard-node-" + store).unstarted(this::beat);
  }

  /**
   * Registers this gateway in the database of {@code dataSource} (PostgreSQL) and starts beating;
   * {@code steps} are the store's, whose contract steps are tried after each beat until applied.
   * The tables exist ({@link SchemaMigrations#expand} ran).
   */
  public static NodeRegistry join(
      DataSource dataSource, String store, List<SchemaMigrations.Step> steps) {
    NodeRegistry registry = new NodeRegistry(dataSource, store, steps);
    try {
      registry.heartbeat();
    } catch (SQLException e) {
      LOG.warn("{}: cannot register this gateway yet: {}", store, e.getMessage());
    }
    registry.beating.start();
    return registry;
  }

  /** Why the store's contract steps wait, or {@code null} when they are applied (or none). */
  public String waitingFor() {
    return contracted ? null : waitingFor;
  }

  private void beat() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(HEARTBEAT);
        heartbeat();
        if (!contracted) {
          contractNow(false);
        }
      } catch (InterruptedException e) {
        return;
      } catch (SQLException | RuntimeException e) {
        LOG.debug("{}: heartbeat failed: {}", store, e.toString());
      }
    }
  }

  /**
   * Runs the store's pending contract steps now if no gateway of an earlier generation holds them
   * back (with {@code onlyRegistered}, only a registered one does).
   */
  public SchemaMigrations.Contracted contractNow(boolean onlyRegistered) throws SQLException {
    SchemaMigrations.Contracted result =
        SchemaMigrations.contract(dataSource, steps, onlyRegistered, LIVE_FOR);
    if (!result.applied().isEmpty()) {
      LOG.info(
          "{}: schema contracted to generation {} (no gateway of an earlier one is left)",
          store,
          ClusterNode.GENERATION);
    } else if (result.waitingFor() != null && !result.waitingFor().equals(waitingFor)) {
      LOG.info("{}: the schema's contract steps wait for {}", store, result.waitingFor());
    }
    waitingFor = result.waitingFor();
    contracted = result.done();
    return result;
  }

  private void heartbeat() throws SQLException {
    long now = System.currentTimeMillis();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement upsert =
            connection.prepareStatement(
                "INSERT INTO switchboard_nodes (id, generation, release, started_at_ms,"
                    + " heartbeat_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                    + " heartbeat_at_ms = EXCLUDED.heartbeat_at_ms")) {
      upsert.setString(1, ClusterNode.id());
      upsert.setInt(2, ClusterNode.GENERATION);
      upsert.setString(3, ClusterNode.release());
      upsert.setLong(4, startedAt);
      upsert.setLong(5, now);
      upsert.executeUpdate();
    }
  }

  /** Stops beating and deletes this gateway's row. */
  @Override
  public void close() {
    beating.interrupt();
    try {
      beating.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement delete =
            connection.prepareStatement("DELETE FROM switchboard_nodes WHERE id = ?")) {
      delete.setString(1, ClusterNode.id());
      delete.executeUpdate();
    } catch (SQLException e) {
      LOG.debug("{}: cannot deregister: {}", store, e.getMessage());
    }
  }
}
