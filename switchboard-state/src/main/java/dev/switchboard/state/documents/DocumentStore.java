package dev.switchboard.state.documents;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Versioned documents of one {@link Kind} (saved prompts, saved configs), in an embedded H2
 * database in PostgreSQL mode or in PostgreSQL shared by gateways: one row per document, one per
 * version (the document as JSON, never changed once written), one per label (the version it points
 * at), and the audit trail. Every statement is a fixed string with parameters (the tables' names
 * come from the kind, never from a request); every change and its audit row are one transaction, so
 * the audit trail's row count is a change counter that gateways sharing the store can poll.
 */
public final class DocumentStore implements AutoCloseable {
  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * What is kept: its noun names its tables ({@code prompts}, {@code prompt_versions}, {@code
   * prompt_labels}, {@code prompt_audit}) and their id column ({@code prompt_id}).
   */
  public enum Kind {
    PROMPT("prompt"),
    CONFIG("config"),
    MCP_SERVER("mcp_server");

    private final String noun;

    Kind(String noun) {
      this.noun = noun;
    }

    /**
     * The embedded store's file and the pool's name: {@code prompts}, {@code configs}, {@code
     * mcp_servers}.
     */
    public String plural() {
      return noun + "s";
    }
  }

  /** A document's row: who made it, when, and its newest version. */
  public record DocumentRow(String id, Instant createdAt, String createdBy, int latestVersion) {}

  /** A version's row: the document as the JSON it was saved as. */
  public record VersionRow(
      String id, int version, String document, Instant createdAt, String createdBy) {}

  /**
   * One change: {@code action} ({@code create}, {@code version}, {@code label}, {@code rollback},
   * {@code delete}, …) by {@code actor} at {@code at}; the version it made or pointed at, the label
   * moved, and the version the label pointed at before ({@code null}: none).
   */
  public record AuditRow(
      long seq,
      String id,
      Instant at,
      String actor,
      String action,
      Integer version,
      String label,
      Integer previousVersion) {}

  private final HikariDataSource dataSource;
  private final Kind kind;
  private final Sql sql;

  private DocumentStore(HikariDataSource dataSource, Kind kind, Sql sql) {
    this.dataSource = dataSource;
    this.kind = kind;
    this.sql = sql;
  }

  /**
   * Opens the store of {@code kind} at a JDBC URL and creates its tables when absent.
   *
   * @throws IllegalStateException when the database cannot be reached or set up
   */
  public static DocumentStore open(String jdbcUrl, Kind kind) {
    Sql sql = new Sql(kind.noun);
    // The access store's pool and schema step: the same URL forms, timeouts and in-memory rule;
    // one gateway at a time creates the tables on a shared PostgreSQL.
    return new DocumentStore(
        AccessStore.poolWithTables(jdbcUrl, kind.plural(), sql.schema), kind, sql);
  }

  /**
   * Creates a document with its version 1 and the audit row; {@code false} when one of that id
   * exists. A deleted one of that id comes back: its next version, audited as {@code create}.
   */
  public boolean create(String id, String document, String actor, Instant now) {
    return inTransaction(connection -> {
      try {
        update(connection, sql.insertDocument, id, time(now), actor);
      } catch (SQLException e) {
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw e;
        }
        connection.rollback();
        if (update(connection, sql.revive, id) == 0) {
          return false;
        }
        int version = latestVersion(connection, id);
        insertVersion(connection, id, version, document, actor, now);
        audit(connection, id, now, actor, "create", version, null, null);
        return true;
      }
      insertVersion(connection, id, 1, document, actor, now);
      audit(connection, id, now, actor, "create", 1, null, null);
      return true;
    });
  }

  /**
   * Adds the next version of {@code id}, audited as {@code action} (with {@code source}, the
   * version a rollback copied, as the audit row's previous version; else {@code null}); its number,
   * or empty when there is no such document. The document's row is locked by the update, so two
   * gateways adding at once get two numbers.
   */
  public Optional<Integer> addVersion(
      String id, String document, String actor, String action, Integer source, Instant now) {
    return inTransaction(connection -> {
      if (update(connection, sql.nextVersion, id) == 0) {
        return Optional.<Integer>empty();
      }
      int version = latestVersion(connection, id);
      insertVersion(connection, id, version, document, actor, now);
      audit(connection, id, now, actor, action, version, null, source);
      return Optional.of(version);
    });
  }

  /**
   * Saves {@code document} as {@code id}'s next version by {@code actor} unless the last version
   * {@code actor} saved is {@code same} as it (the document's version 1 when there is none);
   * whether it saved one. For a source outside the store (the settings file) that writes only when
   * it changed, once across gateways starting together: the document's row is locked first.
   */
  public boolean saveIfChanged(
      String id, String document, Predicate<String> same, String actor, Instant now) {
    return inTransaction(connection -> {
      if (update(connection, sql.lock, id) == 0) {
        boolean made;
        try {
          update(connection, sql.insertDocument, id, time(now), actor);
          made = true;
        } catch (SQLException e) {
          if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
            throw e;
          }
          // Another gateway made it meanwhile: compare with what it saved.
          connection.rollback();
          update(connection, sql.lock, id);
          made = false;
        }
        if (made) {
          insertVersion(connection, id, 1, document, actor, now);
          audit(connection, id, now, actor, "create", 1, null, null);
          return true;
        }
      }
      Optional<String> last = lastBy(connection, id, actor);
      if (last.isPresent() && same.test(last.get())) {
        return false;
      }
      update(connection, sql.nextOrRevive, id);
      int version = latestVersion(connection, id);
      insertVersion(connection, id, version, document, actor, now);
      audit(connection, id, now, actor, "version", version, null, null);
      return true;
    });
  }

  /**
   * Deletes {@code id}: it is no longer found, its versions and audit trail stay, and creating it
   * again brings it back; {@code false} when there is no such document.
   */
  public boolean delete(String id, String actor, Instant now) {
    return inTransaction(connection -> {
      if (update(connection, sql.delete, id) == 0) {
        return false;
      }
      audit(connection, id, now, actor, "delete", latestVersion(connection, id), null, null);
      return true;
    });
  }

  /**
   * Points {@code label} of {@code id} at {@code version} and audits it as {@code action}; the
   * version it pointed at before, or {@code null}.
   */
  public Integer moveLabel(
      String id, String label, int version, String actor, String action, Instant now) {
    return inTransaction(connection -> {
      Integer previous = null;
      try (PreparedStatement select = connection.prepareStatement(sql.selectLabelForUpdate)) {
        select.setString(1, id);
        select.setString(2, label);
        try (ResultSet row = select.executeQuery()) {
          if (row.next()) {
            previous = row.getInt(1);
          }
        }
      }
      if (previous == null) {
        update(connection, sql.insertLabel, id, label, version);
      } else {
        update(connection, sql.updateLabel, version, id, label);
      }
      audit(connection, id, now, actor, action, version, label, previous);
      return previous;
    });
  }

  /** The document of that id, unless there is none or it was deleted. */
  public Optional<DocumentRow> find(String id) {
    return withConnection(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.selectDocument)) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          return row.next() ? Optional.of(documentRow(row)) : Optional.<DocumentRow>empty();
        }
      }
    });
  }

  /** Every document not deleted, by id. */
  public List<DocumentRow> all() {
    return withConnection(connection -> {
      List<DocumentRow> rows = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectDocuments);
          ResultSet row = select.executeQuery()) {
        while (row.next()) {
          rows.add(documentRow(row));
        }
      }
      return rows;
    });
  }

  /** The latest version of every document not deleted, by id. */
  public List<VersionRow> latestVersions() {
    return withConnection(connection -> {
      List<VersionRow> rows = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectLatestVersions);
          ResultSet row = select.executeQuery()) {
        while (row.next()) {
          rows.add(versionRow(row));
        }
      }
      return rows;
    });
  }

  /** The ids of the documents deleted (and not made again). */
  public List<String> deleted() {
    return withConnection(connection -> {
      List<String> ids = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectDeleted);
          ResultSet row = select.executeQuery()) {
        while (row.next()) {
          ids.add(row.getString(1));
        }
      }
      return ids;
    });
  }

  /**
   * How many changes the store has seen: the audit trail's rows, which are never removed and are
   * written with each change, so the count grows with every change any gateway commits.
   */
  public long changes() {
    return withConnection(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.countChanges);
          ResultSet row = select.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    });
  }

  public Optional<VersionRow> version(String id, int version) {
    return withConnection(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.selectVersion)) {
        select.setString(1, id);
        select.setInt(2, version);
        try (ResultSet row = select.executeQuery()) {
          return row.next() ? Optional.of(versionRow(row)) : Optional.<VersionRow>empty();
        }
      }
    });
  }

  public List<VersionRow> versions(String id) {
    return withConnection(connection -> {
      List<VersionRow> rows = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectVersions)) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          while (row.next()) {
            rows.add(versionRow(row));
          }
        }
      }
      return rows;
    });
  }

  /** The labels of {@code id} and the versions they point at, by label. */
  public Map<String, Integer> labels(String id) {
    return withConnection(connection -> {
      Map<String, Integer> labels = new LinkedHashMap<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectLabels)) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          while (row.next()) {
            labels.put(row.getString(1), row.getInt(2));
          }
        }
      }
      return labels;
    });
  }

  /** The version {@code label} of {@code id} points at. */
  public Optional<Integer> label(String id, String label) {
    return withConnection(connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.selectLabel)) {
        select.setString(1, id);
        select.setString(2, label);
        try (ResultSet row = select.executeQuery()) {
          return row.next() ? Optional.of(row.getInt(1)) : Optional.<Integer>empty();
        }
      }
    });
  }

  /** The audit trail of {@code id}, oldest first (a deleted document's too). */
  public List<AuditRow> history(String id) {
    return withConnection(connection -> {
      List<AuditRow> rows = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(sql.selectHistory)) {
        select.setString(1, id);
        try (ResultSet row = select.executeQuery()) {
          while (row.next()) {
            rows.add(
                new AuditRow(
                    row.getLong("seq"),
                    row.getString(2),
                    row.getObject("at", OffsetDateTime.class).toInstant(),
                    row.getString("actor"),
                    row.getString("action"),
                    row.getObject("version", Integer.class),
                    row.getString("label"),
                    row.getObject("previous_version", Integer.class)));
          }
        }
      }
      return rows;
    });
  }

  @Override
  public void close() {
    dataSource.close();
  }

  /** The statements of one kind, its tables' names filled in once. */
  private static final class Sql {
    final List<String> schema;
    final String insertDocument;
    final String revive;
    final String nextVersion;
    final String nextOrRevive;
    final String lock;
    final String delete;
    final String latestVersion;
    final String selectDocument;
    final String selectDocuments;
    final String selectLatestVersions;
    final String countChanges;
    final String selectDeleted;
    final String insertVersion;
    final String selectVersion;
    final String selectVersions;
    final String lastBy;
    final String selectLabelForUpdate;
    final String insertLabel;
    final String updateLabel;
    final String selectLabels;
    final String selectLabel;
    final String insertAudit;
    final String selectHistory;

    Sql(String noun) {
      String documents = noun + "s";
      String versions = noun + "_versions";
      String labels = noun + "_labels";
      String audit = noun + "_audit";
      String id = noun + "_id";
      schema =
          List.of(
              """
              CREATE TABLE IF NOT EXISTS %s (
                id VARCHAR(128) PRIMARY KEY,
                created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                created_by VARCHAR(200) NOT NULL,
                latest_version INTEGER NOT NULL)\
              """
                  .formatted(documents),
              // Stores made before documents could be deleted lack the column.
              "ALTER TABLE %s ADD COLUMN IF NOT EXISTS deleted BOOLEAN DEFAULT FALSE NOT NULL"
                  .formatted(documents),
              """
              CREATE TABLE IF NOT EXISTS %s (
                %s VARCHAR(128) NOT NULL,
                version INTEGER NOT NULL,
                definition TEXT NOT NULL,
                created_at TIMESTAMP WITH TIME ZONE NOT NULL,
                created_by VARCHAR(200) NOT NULL,
                PRIMARY KEY (%s, version))\
              """
                  .formatted(versions, id, id),
              """
              CREATE TABLE IF NOT EXISTS %s (
                %s VARCHAR(128) NOT NULL,
                label VARCHAR(64) NOT NULL,
                version INTEGER NOT NULL,
                PRIMARY KEY (%s, label))\
              """
                  .formatted(labels, id, id),
              """
              CREATE TABLE IF NOT EXISTS %s (
                seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                %s VARCHAR(128) NOT NULL,
                at TIMESTAMP WITH TIME ZONE NOT NULL,
                actor VARCHAR(200) NOT NULL,
                action VARCHAR(32) NOT NULL,
                version INTEGER,
                label VARCHAR(64),
                previous_version INTEGER)\
              """
                  .formatted(audit, id),
              "CREATE INDEX IF NOT EXISTS %s_%s ON %s (%s, seq)".formatted(audit, noun, audit, id));
      insertDocument =
          "INSERT INTO %s (id, created_at, created_by, latest_version) VALUES (?, ?, ?, 1)"
              .formatted(documents);
      revive =
          "UPDATE %s SET latest_version = latest_version + 1, deleted = FALSE WHERE id = ? AND"
                  .formatted(documents)
              + " deleted";
      nextVersion =
          "UPDATE %s SET latest_version = latest_version + 1 WHERE id = ? AND NOT deleted"
              .formatted(documents);
      nextOrRevive =
          "UPDATE %s SET latest_version = latest_version + 1, deleted = FALSE WHERE id = ?"
              .formatted(documents);
      lock = "UPDATE %s SET latest_version = latest_version WHERE id = ?".formatted(documents);
      delete = "UPDATE %s SET deleted = TRUE WHERE id = ? AND NOT deleted".formatted(documents);
      latestVersion = "SELECT latest_version FROM %s WHERE id = ?".formatted(documents);
      String columns = "id, created_at, created_by, latest_version";
      selectDocument =
          "SELECT %s FROM %s WHERE id = ? AND NOT deleted".formatted(columns, documents);
      selectDocuments =
          "SELECT %s FROM %s WHERE NOT deleted ORDER BY id".formatted(columns, documents);
      String versionColumns = id + ", version, definition, created_at, created_by";
      selectLatestVersions =
          ("SELECT v.%s, v.version, v.definition, v.created_at, v.created_by FROM %s d JOIN %s v"
                  + " ON v.%s = d.id AND v.version = d.latest_version WHERE NOT d.deleted ORDER"
                  + " BY d.id")
              .formatted(id, documents, versions, id);
      countChanges = "SELECT COUNT(*) FROM %s".formatted(audit);
      selectDeleted = "SELECT id FROM %s WHERE deleted".formatted(documents);
      insertVersion =
          "INSERT INTO %s (%s, version, definition, created_at, created_by) VALUES (?, ?, ?, ?, ?)"
              .formatted(versions, id);
      selectVersion =
          "SELECT %s FROM %s WHERE %s = ? AND version = ?".formatted(versionColumns, versions, id);
      selectVersions =
          "SELECT %s FROM %s WHERE %s = ? ORDER BY version".formatted(versionColumns, versions, id);
      lastBy =
          "SELECT definition FROM %s WHERE %s = ? AND created_by = ? ORDER BY version DESC LIMIT 1"
              .formatted(versions, id);
      selectLabelForUpdate =
          "SELECT version FROM %s WHERE %s = ? AND label = ? FOR UPDATE".formatted(labels, id);
      insertLabel = "INSERT INTO %s (%s, label, version) VALUES (?, ?, ?)".formatted(labels, id);
      updateLabel = "UPDATE %s SET version = ? WHERE %s = ? AND label = ?".formatted(labels, id);
      selectLabels =
          "SELECT label, version FROM %s WHERE %s = ? ORDER BY label".formatted(labels, id);
      selectLabel = "SELECT version FROM %s WHERE %s = ? AND label = ?".formatted(labels, id);
      insertAudit =
          ("INSERT INTO %s (%s, at, actor, action, version, label, previous_version) VALUES (?,"
                  + " ?, ?, ?, ?, ?, ?)")
              .formatted(audit, id);
      selectHistory =
          ("SELECT seq, %s, at, actor, action, version, label, previous_version FROM %s WHERE %s"
                  + " = ? ORDER BY seq")
              .formatted(id, audit, id);
    }
  }

  private int latestVersion(Connection connection, String id) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql.latestVersion)) {
      select.setString(1, id);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? row.getInt(1) : 0;
      }
    }
  }

  private Optional<String> lastBy(Connection connection, String id, String actor)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql.lastBy)) {
      select.setString(1, id);
      select.setString(2, actor);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
      }
    }
  }

  private static DocumentRow documentRow(ResultSet row) throws SQLException {
    return new DocumentRow(
        row.getString("id"),
        row.getObject("created_at", OffsetDateTime.class).toInstant(),
        row.getString("created_by"),
        row.getInt("latest_version"));
  }

  private static VersionRow versionRow(ResultSet row) throws SQLException {
    return new VersionRow(
        row.getString(1),
        row.getInt("version"),
        row.getString("definition"),
        row.getObject("created_at", OffsetDateTime.class).toInstant(),
        row.getString("created_by"));
  }

  private void insertVersion(
      Connection connection, String id, int version, String document, String actor, Instant now)
      throws SQLException {
    update(connection, sql.insertVersion, id, version, document, time(now), actor);
  }

  private void audit(
      Connection connection,
      String id,
      Instant now,
      String actor,
      String action,
      Integer version,
      String label,
      Integer previous)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(sql.insertAudit)) {
      insert.setString(1, id);
      insert.setObject(2, time(now));
      insert.setString(3, actor);
      insert.setString(4, action);
      insert.setObject(5, version, java.sql.Types.INTEGER);
      insert.setString(6, label);
      insert.setObject(7, previous, java.sql.Types.INTEGER);
      insert.executeUpdate();
    }
  }

  private static int update(Connection connection, String statementSql, Object... parameters)
      throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(statementSql)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setObject(i + 1, parameters[i]);
      }
      return statement.executeUpdate();
    }
  }

  /** What is done with one connection. */
  @FunctionalInterface
  private interface Work<T> {
    T on(Connection connection) throws SQLException;
  }

  private <T> T withConnection(Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      return work.on(connection);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private <T> T inTransaction(Work<T> work) {
    return withConnection(connection -> {
      connection.setAutoCommit(false);
      try {
        T result = work.on(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    });
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private GatewayUnavailableException failure(SQLException e) {
    // Never the database's message: it may quote a row's values.
    return new GatewayUnavailableException(
        "The gateway's "
            + kind.plural()
            + " store failed (SQL state "
            + e.getSQLState()
            + "); try again.",
        e);
  }
}
