package dev.switchboard.engine.cluster;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;
import javax.sql.DataSource;

/**
 * Periodic work that one gateway of a cluster does for all (the sweep of stored responses past
 * their retention, the re-encryption of the vault under a new master key): on PostgreSQL, a gateway
 * runs it only while it holds the job's advisory lock ({@code pg_try_advisory_xact_lock}; a gateway
 * that does not get it skips, it never waits), and a job by rounds runs once per round for the
 * whole cluster, not once per gateway: the lock's holder claims the round in {@code
 * switchboard_jobs} (which also counts the runs), and a round already claimed is skipped. The lock
 * and the claim are one transaction: a gateway that dies while running releases the lock, and its
 * round is run by another. On an embedded database (one process) the job just runs.
 */
public final class SingletonJobs {
  /** The advisory locks of jobs are this, plus a hash of the job's name in the low 32 bits. */
  private static final long JOB_LOCKS = 0x73626a6fL << 32; // "sbjo"

  private SingletonJobs() {}

  /** Work a job does; what it returns is the job's own figure (rows deleted, keys re-encrypted). */
  @FunctionalInterface
  public interface Work {
    int run();
  }

  /** How a round of a job went on this gateway. */
  public enum Outcome {
    /** This gateway ran it. */
    RAN,
    /** Another gateway holds the job's lock (it runs it now): skipped. */
    LOCKED,
    /** Another gateway already ran this round: skipped. */
    DONE
  }

  /**
   * Runs {@code work} unless another gateway of the cluster runs it now or already ran it in the
   * current round ({@code round}-long slots of {@code clock}'s time, the same for every gateway).
   *
   * @throws SQLException when the database cannot be asked (the work did not run)
   */
  public static Outcome runOncePerRound(
      DataSource dataSource, String job, Duration round, Clock clock, Work work)
      throws SQLException {
    // The round is read once the lock is held: the round the work runs in, not the one its caller
    // began to wait in (which another gateway may have run meanwhile, in the next).
    return run(dataSource, job, () -> clock.millis() / Math.max(1, round.toMillis()), work);
  }

  /**
   * Runs {@code work} unless another gateway of the cluster runs the job now (no rounds: each call
   * that gets the lock runs it).
   */
  public static Outcome runAlone(DataSource dataSource, String job, Work work) throws SQLException {
    return run(dataSource, job, () -> -1, work);
  }

  private static Outcome run(DataSource dataSource, String job, LongSupplier rounds, Work work)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      if (!SchemaMigrations.postgres(connection)) {
        work.run();
        return Outcome.RAN;
      }
      return SchemaMigrations.inTransaction(
          connection,
          () -> {
            if (!tryLock(connection, job)) {
              return Outcome.LOCKED;
            }
            try (PreparedStatement insert =
                connection.prepareStatement(
                    "INSERT INTO switchboard_jobs (job, round, runs) VALUES (?, -1, 0)"
                        + " ON CONFLICT (job) DO NOTHING")) {
              insert.setString(1, job);
              insert.executeUpdate();
            }
            long round = rounds.getAsLong();
            if (round >= 0 && lastRound(connection, job) >= round) {
              return Outcome.DONE;
            }
            work.run();
            try (PreparedStatement claim =
                connection.prepareStatement(
                    "UPDATE switchboard_jobs SET round = ?, runs = runs + 1, node = ?,"
                        + " ran_at_ms = ? WHERE job = ?")) {
              claim.setLong(1, round);
              claim.setString(2, ClusterNode.id());
              claim.setLong(3, System.currentTimeMillis());
              claim.setString(4, job);
              claim.executeUpdate();
            }
            return Outcome.RAN;
          });
    }
  }

  private static long lastRound(Connection connection, String job) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement("SELECT round FROM switchboard_jobs WHERE job = ?")) {
      query.setString(1, job);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? row.getLong(1) : -1;
      }
    }
  }

  private static boolean tryLock(Connection connection, String job) throws SQLException {
    CRC32 hash = new CRC32();
    hash.update(job.getBytes(StandardCharsets.UTF_8));
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
      lock.setLong(1, JOB_LOCKS | hash.getValue());
      try (ResultSet locked = lock.executeQuery()) {
        return locked.next() && locked.getBoolean(1);
      }
    }
  }
}
