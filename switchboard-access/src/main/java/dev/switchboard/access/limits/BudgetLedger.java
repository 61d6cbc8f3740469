package dev.switchboard.access.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.access.Budget;
import dev.switchboard.access.store.AccessStore;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.sql.DataSource;

/**
 * Budgets kept in a SQL table ({@code access_budget_usage}, one row per subject and period) in the
 * access store: H2 or PostgreSQL. A reservation is one conditional {@code UPDATE} per subject that
 * adds to {@code reserved} only while spent, reserved and the request's estimate stay within the
 * limit, all subjects of a request in one transaction (a request estimated at $0, a model marked
 * free, adds nothing to a dollar budget and is not held to it, even one already overspent after its
 * limit was lowered; its tokens still are). The database's row lock makes the check and the
 * addition one step, so concurrent requests, on one gateway or many sharing the database, cannot
 * reserve past the limit. Every statement is parameterised; no identifier comes from input.
 */
final class BudgetLedger {
  static final String TABLE = "access_budget_usage";
  private static final int SCALE = 10;
  private static final int ATTEMPTS = 8;

  private final DataSource data;
  private final boolean postgres;

  /**
   * Rows known to exist (rows are never deleted), so a request does not ask the database to insert
   * its period's row each time.
   */
  private final Cache<String, Boolean> knownRows =
      Caffeine.newBuilder().maximumSize(10_000).build();

  BudgetLedger(DataSource data, boolean postgres) {
    this.data = data;
    this.postgres = postgres;
    createTable();
  }

  /**
   * One subject's share of a reservation: what it reserved, in which period, under which budget.
   */
  record Entry(
      String subject, Instant periodStart, Budget budget, BigDecimal costUsd, long tokens) {
    Entry {
      costUsd = costUsd.setScale(SCALE, RoundingMode.CEILING);
    }
  }

  /** A subject's row after a settlement, with the alert thresholds it claimed. */
  record Settled(Entry entry, BigDecimal spentUsd, long spentTokens, List<BigDecimal> crossed) {}

  /** A subject's figures in a period. */
  record Row(BigDecimal spentUsd, long spentTokens, BigDecimal reservedUsd, long reservedTokens) {
    static final Row EMPTY = new Row(BigDecimal.ZERO, 0, BigDecimal.ZERO, 0);
  }

  /**
   * Reserves every entry, or none.
   *
   * @return {@code null} when all were reserved, else the first entry its budget refused
   */
  Entry reserve(List<Entry> entries) {
    if (entries.isEmpty()) {
      return null;
    }
    // Rows are locked in one order on every node, so two requests sharing subjects never wait on
    // each other in a cycle.
    List<Entry> ordered = new ArrayList<>(entries);
    ordered.sort(Comparator.comparing(Entry::subject));
    for (Entry entry : ordered) {
      ensureRow(entry.subject(), entry.periodStart());
    }
    return retrying(connection -> {
      if (postgres) {
        // A reservation need not wait for the disk: locks and visibility are the same, only a
        // crash of PostgreSQL itself could lose it (and then the request it held for is gone too;
        // its settlement, which waits for the disk, cannot take reserved below zero). It halves the
        // flushes a budgeted request costs.
        try (Statement asynchronous = connection.createStatement()) {
          asynchronous.execute("SET LOCAL synchronous_commit TO OFF");
        }
      }
      for (Entry entry : ordered) {
        if (!reserveOne(connection, entry)) {
          connection.rollback();
          return entry;
        }
      }
      connection.commit();
      return null;
    });
  }

  /**
   * Moves reservations to spent: each entry's reservation is taken off, and {@code costUsd} and
   * {@code tokens} (already decided by the caller, the estimate when unknown) are added to spent.
   * Claims the alert thresholds each subject's spending crossed for the first time in the period.
   */
  List<Settled> settle(List<Entry> entries, BigDecimal costUsd, long tokens) {
    if (entries.isEmpty()) {
      return List.of();
    }
    List<Entry> ordered = new ArrayList<>(entries);
    ordered.sort(Comparator.comparing(Entry::subject));
    BigDecimal cost = costUsd.setScale(SCALE, RoundingMode.HALF_UP);
    return retrying(connection -> {
      List<Settled> settled = new ArrayList<>();
      for (Entry entry : ordered) {
        settled.add(settleOne(connection, entry, cost, tokens));
      }
      connection.commit();
      return settled;
    });
  }

  /** A subject's figures in the period starting at {@code periodStart}. */
  Row row(String subject, Instant periodStart) {
    return retrying(connection -> {
      try (PreparedStatement select =
          connection.prepareStatement(
              "SELECT spent_usd, spent_tokens, reserved_usd, reserved_tokens FROM "
                  + TABLE
                  + " WHERE subject = ? AND period_start = ?")) {
        select.setString(1, subject);
        select.setObject(2, timestamp(periodStart));
        try (ResultSet rows = select.executeQuery()) {
          Row row =
              rows.next()
                  ? new Row(
                      rows.getBigDecimal(1),
                      rows.getLong(2),
                      rows.getBigDecimal(3),
                      rows.getLong(4))
                  : Row.EMPTY;
          connection.commit();
          return row;
        }
      }
    });
  }

  private boolean reserveOne(Connection connection, Entry entry) throws SQLException {
    Budget budget = entry.budget();
    StringBuilder sql =
        new StringBuilder("UPDATE ")
            .append(TABLE)
            .append(
                " SET reserved_usd = reserved_usd + ?, reserved_tokens = reserved_tokens + ?"
                    + " WHERE subject = ? AND period_start = ?");
    boolean heldToCost = budget.costUsd() != null && entry.costUsd().signum() > 0;
    if (heldToCost) {
      sql.append(" AND spent_usd + reserved_usd + ? <= ?");
    }
    if (budget.tokens() != null) {
      sql.append(" AND spent_tokens + reserved_tokens + ? <= ?");
    }
    try (PreparedStatement update = connection.prepareStatement(sql.toString())) {
      int i = 0;
      update.setBigDecimal(++i, entry.costUsd());
      update.setLong(++i, entry.tokens());
      update.setString(++i, entry.subject());
      update.setObject(++i, timestamp(entry.periodStart()));
      if (heldToCost) {
        update.setBigDecimal(++i, entry.costUsd());
        update.setBigDecimal(++i, budget.costUsd());
      }
      if (budget.tokens() != null) {
        update.setLong(++i, entry.tokens());
        update.setLong(++i, budget.tokens());
      }
      return update.executeUpdate() == 1;
    }
  }

  private Settled settleOne(Connection connection, Entry entry, BigDecimal cost, long tokens)
      throws SQLException {
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE "
                + TABLE
                + " SET reserved_usd = GREATEST(reserved_usd - ?, 0),"
                + " reserved_tokens = GREATEST(reserved_tokens - ?, 0),"
                + " spent_usd = spent_usd + ?, spent_tokens = spent_tokens + ?"
                + " WHERE subject = ? AND period_start = ?")) {
      update.setBigDecimal(1, entry.costUsd());
      update.setLong(2, entry.tokens());
      update.setBigDecimal(3, cost);
      update.setLong(4, tokens);
      update.setString(5, entry.subject());
      update.setObject(6, timestamp(entry.periodStart()));
      update.executeUpdate();
    }
    BigDecimal spentUsd;
    long spentTokens;
    BigDecimal alerted;
    // The row is locked by the update above until commit: the thresholds read and claimed here
    // are claimed by one settlement only, on whichever node.
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT spent_usd, spent_tokens, alerted_fraction FROM "
                + TABLE
                + " WHERE subject = ? AND period_start = ?")) {
      select.setString(1, entry.subject());
      select.setObject(2, timestamp(entry.periodStart()));
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          return new Settled(entry, BigDecimal.ZERO, 0, List.of());
        }
        spentUsd = rows.getBigDecimal(1);
        spentTokens = rows.getLong(2);
        alerted = rows.getBigDecimal(3);
      }
    }
    List<BigDecimal> crossed =
        crossed(entry.budget(), spentUsd, spentTokens, alerted == null ? BigDecimal.ZERO : alerted);
    if (!crossed.isEmpty()) {
      try (PreparedStatement claim =
          connection.prepareStatement(
              "UPDATE "
                  + TABLE
                  + " SET alerted_fraction = ? WHERE subject = ? AND period_start = ?")) {
        claim.setBigDecimal(1, crossed.getLast());
        claim.setString(2, entry.subject());
        claim.setObject(3, timestamp(entry.periodStart()));
        claim.executeUpdate();
      }
    }
    return new Settled(entry, spentUsd, spentTokens, crossed);
  }

  /** The thresholds (and 1.0) above {@code alerted} that the spending reached, ascending. */
  static List<BigDecimal> crossed(
      Budget budget, BigDecimal spentUsd, long spentTokens, BigDecimal alerted) {
    BigDecimal fraction = fraction(budget, spentUsd, spentTokens);
    List<BigDecimal> thresholds = new ArrayList<>(budget.alertThresholds());
    thresholds.add(BigDecimal.ONE);
    List<BigDecimal> crossed = new ArrayList<>();
    for (BigDecimal threshold : thresholds.stream().sorted().distinct().toList()) {
      if (threshold.compareTo(alerted) > 0 && threshold.compareTo(fraction) <= 0) {
        crossed.add(threshold);
      }
    }
    return crossed;
  }

  /** The larger of the cost and token fractions of the budget spent. */
  static BigDecimal fraction(Budget budget, BigDecimal spentUsd, long spentTokens) {
    BigDecimal fraction = BigDecimal.ZERO;
    if (budget.costUsd() != null) {
      fraction =
          budget.costUsd().signum() == 0
              ? BigDecimal.ONE
              : spentUsd.divide(budget.costUsd(), 6, RoundingMode.DOWN);
    }
    if (budget.tokens() != null) {
      BigDecimal tokens =
          budget.tokens() == 0
              ? BigDecimal.ONE
              : BigDecimal.valueOf(spentTokens)
                  .divide(BigDecimal.valueOf(budget.tokens()), 6, RoundingMode.DOWN);
      fraction = fraction.max(tokens);
    }
    return fraction;
  }

  private void ensureRow(String subject, Instant periodStart) {
    String row = subject + "\n" + periodStart;
    if (knownRows.getIfPresent(row) != null) {
      return;
    }
    String sql =
        postgres
            ? "INSERT INTO "
                + TABLE
                + " (subject, period_start) VALUES (?, ?) ON CONFLICT DO NOTHING"
            : "MERGE INTO "
                + TABLE
                + " t USING (VALUES (CAST(? AS VARCHAR(400)), CAST(? AS TIMESTAMP WITH TIME ZONE)))"
                + " s(subject, period_start) ON t.subject = s.subject AND t.period_start ="
                + " s.period_start WHEN NOT MATCHED THEN INSERT (subject, period_start) VALUES"
                + " (s.subject, s.period_start)";
    retrying(connection -> {
      try (PreparedStatement insert = connection.prepareStatement(sql)) {
        insert.setString(1, subject);
        insert.setObject(2, timestamp(periodStart));
        insert.executeUpdate();
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        // Another request inserted the row first: it exists, which is all that was needed.
        if (!"23505".equals(e.getSQLState())) {
          throw e;
        }
      }
      return null;
    });
  }

  private void createTable() {
    AccessStore.createTables(
        data,
        List.of(
            "CREATE TABLE IF NOT EXISTS "
                + TABLE
                + " (subject VARCHAR(400) NOT NULL,"
                + " period_start TIMESTAMP WITH TIME ZONE NOT NULL,"
                + " spent_usd NUMERIC(24, 10) NOT NULL DEFAULT 0,"
                + " spent_tokens BIGINT NOT NULL DEFAULT 0,"
                + " reserved_usd NUMERIC(24, 10) NOT NULL DEFAULT 0,"
                + " reserved_tokens BIGINT NOT NULL DEFAULT 0,"
                + " alerted_fraction NUMERIC(9, 6) NOT NULL DEFAULT 0,"
                + " PRIMARY KEY (subject, period_start))"));
  }

  private static OffsetDateTime timestamp(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in a transaction, again when the database gave up on a lock (H2's lock
   * timeout, PostgreSQL's deadlock or serialization failure): the work is all-or-nothing, so
   * repeating it is safe.
   */
  private <T> T retrying(Work<T> work) {
    SQLException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try (Connection connection = data.getConnection()) {
        connection.setAutoCommit(false);
        try {
          return work.run(connection);
        } catch (SQLException e) {
          connection.rollback();
          throw e;
        } finally {
          connection.setAutoCommit(true);
        }
      } catch (SQLException e) {
        last = e;
        if (!worthRetrying(e)) {
          break;
        }
      }
    }
    // Refused, not let through unchecked: a budget is a hard stop. Never the database's message
    // in the answer.
    throw new GatewayUnavailableException(
        "The gateway's budget ledger failed (SQL state " + last.getSQLState() + "); try again.",
        last);
  }

  private static boolean worthRetrying(SQLException e) {
    String state = e.getSQLState();
    // The pool had no free connection in time (HikariCP's SQLTransientConnectionException, no
    // state): hundreds of requests of one subject at once on one node queue for its row.
    return e instanceof java.sql.SQLTransientConnectionException
        || "40001".equals(state)
        || "40P01".equals(state)
        || "HYT00".equals(state)
        || e.getErrorCode() == 50200; // H2: timeout trying to lock
  }
}
