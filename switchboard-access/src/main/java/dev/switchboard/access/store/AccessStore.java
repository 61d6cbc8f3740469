package dev.switchboard.access.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.AccessJson;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.admin.AccessAdmin.Workspace;
import dev.switchboard.engine.cluster.ClusterNode;
import dev.switchboard.engine.cluster.SchemaMigrations;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import dev.switchboard.wire.WireJson;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Where workspaces, gateway keys (their SHA-256 hashes, never the keys) and virtual keys (their
 * credentials encrypted, never in the clear) are kept: an embedded H2 database in PostgreSQL mode
 * or a PostgreSQL database shared by gateways. Tables are created when absent. Every statement is a
 * fixed string with parameters; no identifier comes from input.
 */
public final class AccessStore implements AutoCloseable {
  private static final ObjectMapper JSON = WireJson.mapper();
  private static final String UNIQUE_VIOLATION = "23505";

  private static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS access_workspaces (
            id VARCHAR(64) PRIMARY KEY,
            name VARCHAR(200) NOT NULL,
            limits_json VARCHAR(4000) NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL)\
          """,
          """
          CREATE TABLE IF NOT EXISTS access_keys (
            id VARCHAR(64) PRIMARY KEY,
            workspace VARCHAR(64) NOT NULL,
            name VARCHAR(200) NOT NULL,
            secret_hash CHAR(64) NOT NULL UNIQUE,
            display_prefix VARCHAR(16) NOT NULL,
            scopes_json VARCHAR(100000) NOT NULL,
            limits_json VARCHAR(4000) NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            expires_at TIMESTAMP WITH TIME ZONE,
            revoked_at TIMESTAMP WITH TIME ZONE,
            created_by VARCHAR(64) NOT NULL)\
          """,
          """
          CREATE TABLE IF NOT EXISTS access_virtual_keys (
            workspace VARCHAR(64) NOT NULL,
            slug VARCHAR(64) NOT NULL,
            provider VARCHAR(64) NOT NULL,
            ciphertext BYTEA NOT NULL,
            master_key_id CHAR(8) NOT NULL,
            credential_names VARCHAR(2000) NOT NULL,
            limits_json VARCHAR(4000) NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            rotated_at TIMESTAMP WITH TIME ZONE,
            revoked_at TIMESTAMP WITH TIME ZONE,
            PRIMARY KEY (workspace, slug))\
          """,
          // Added after the table: a store made before it gets the column (none set).
          """
          ALTER TABLE access_workspaces ADD COLUMN IF NOT EXISTS custom_hosts_json VARCHAR(20000)\
          """);

  private static final String KEY_COLUMNS =
      "id, workspace, name, secret_hash, display_prefix, scopes_json, limits_json, created_at,"
          + " expires_at, revoked_at, created_by";
  private static final String VIRTUAL_KEY_COLUMNS =
      "workspace, slug, provider, ciphertext, master_key_id, credential_names, limits_json,"
          + " created_at, rotated_at, revoked_at";

  private final HikariDataSource dataSource;
  private final boolean postgres;
  private final boolean inMemory;

  private AccessStore(HikariDataSource dataSource, boolean postgres, boolean inMemory) {
    this.dataSource = dataSource;
    this.postgres = postgres;
    this.inMemory = inMemory;
  }

  /**
   * Opens the store at a JDBC URL ({@code jdbc:postgresql:…} or {@code jdbc:h2:…}; an H2 URL
   * without a {@code MODE} is put in PostgreSQL mode) and creates its tables when absent.
   *
   * @throws IllegalStateException when the database cannot be reached or set up (the message names
   *     the cause, never the URL's password)
   */
  public static AccessStore open(String jdbcUrl) {
    boolean postgres = jdbcUrl.startsWith("jdbc:postgresql:");
    boolean inMemory = jdbcUrl.startsWith("jdbc:h2:mem:");
    HikariDataSource dataSource = pool(jdbcUrl, "access");
    AccessStore store = new AccessStore(dataSource, postgres, inMemory);
    try {
      store.createTables();
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
    return store;
  }

  /**
   * A pool of connections to a JDBC URL ({@code jdbc:postgresql:…} or {@code jdbc:h2:…}; an H2 URL
   * without a {@code MODE} is put in PostgreSQL mode, an in-memory one kept while the pool idles),
   * with short timeouts, so that an outage is a quick failure: for this store and the gateway's
   * other stores in H2 or PostgreSQL ({@code name}: {@code access}, {@code responses}).
   *
   * @throws IllegalStateException when the database cannot be reached (the message names the cause,
   *     never the URL's password)
   */
  public static HikariDataSource pool(String jdbcUrl, String name) {
    boolean postgres = jdbcUrl.startsWith("jdbc:postgresql:");
    String url = jdbcUrl;
    if (!postgres && !jdbcUrl.toUpperCase(java.util.Locale.ROOT).contains(";MODE=")) {
      url += ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }
    if (jdbcUrl.startsWith("jdbc:h2:mem:")
        && !jdbcUrl.toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_DELAY")) {
      // The pool may close every connection while idle; the database must outlive that.
      url += ";DB_CLOSE_DELAY=-1";
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("switchboard-" + name);
    config.setMaximumPoolSize(postgres ? 10 : 8);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(2_000);
    config.setValidationTimeout(1_000);
    config.setInitializationFailTimeout(5_000);
    if (postgres) {
      // Sessions of a registered gateway (SchemaMigrations: its contract steps count them).
      config.addDataSourceProperty("ApplicationName", ClusterNode.applicationName());
    }
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the " + name + " store cannot be opened: " + rootMessage(e), e);
    }
  }

  /**
   * Whether the database answers now: a pooled connection that passes its validity check within a
   * second (at most the pool's two-second wait for a connection when none can be made).
   */
  public boolean reachable() {
    try (Connection connection = dataSource.getConnection()) {
      return connection.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  /** The pooled connections, for the limits' ledger table in the same database. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** Whether the database is PostgreSQL (else embedded H2 in PostgreSQL mode). */
  public boolean postgres() {
    return postgres;
  }

  private void createTables() {
    createTables(dataSource, SCHEMA);
  }

  /**
   * A {@link #pool} whose database has {@code schema}'s tables ({@link #createTables}): the
   * gateway's other stores in H2 or PostgreSQL open so. The pool is closed again when the tables
   * cannot be made.
   *
   * @throws IllegalStateException when the database cannot be reached or set up
   */
  public static HikariDataSource poolWithTables(String jdbcUrl, String name, List<String> schema) {
    HikariDataSource dataSource = pool(jdbcUrl, name);
    try {
      createTables(dataSource, schema);
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
    return dataSource;
  }

  /**
   * Runs each {@code CREATE TABLE IF NOT EXISTS} of {@code schema} on {@code dataSource}, safe when
   * several gateways start at once on one database; the limits' ledger table is created so too.
   *
   * @throws IllegalStateException when a table cannot be created
   */
  public static void createTables(DataSource dataSource, List<String> schema) {
    try {
      // Gateways starting together on one database would race on CREATE TABLE IF NOT EXISTS
      // (PostgreSQL's catalog then refuses the loser: a duplicate type or key): the schema lock
      // takes them one at a time.
      SchemaMigrations.expand(
          dataSource,
          connection -> {
            try (Statement statement = connection.createStatement()) {
              for (String ddl : schema) {
                statement.execute(ddl);
              }
            }
          },
          List.of());
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the access store's tables cannot be created: " + e.getMessage(), e);
    }
  }

  // ---- workspaces

  /** Adds a workspace; {@code false} when one with its id exists. */
  public boolean insertWorkspace(Workspace workspace) {
    return insert(
        "INSERT INTO access_workspaces (id, name, limits_json, created_at) VALUES (?, ?, ?, ?)",
        workspace.id(),
        workspace.name(),
        json(workspace.limits()),
        time(workspace.createdAt()));
  }

  public Optional<Workspace> workspace(String id) {
    return queryOne(
        "SELECT id, name, limits_json, created_at, custom_hosts_json FROM access_workspaces"
            + " WHERE id = ?",
        AccessStore::workspaceRow,
        id);
  }

  public List<Workspace> workspaces() {
    return query(
        "SELECT id, name, limits_json, created_at, custom_hosts_json FROM access_workspaces"
            + " ORDER BY id",
        AccessStore::workspaceRow);
  }

  /** Sets a workspace's limits; {@code false} when there is no such workspace. */
  public boolean updateWorkspaceLimits(String id, Limits limits) {
    return update("UPDATE access_workspaces SET limits_json = ? WHERE id = ?", json(limits), id)
        == 1;
  }

  /**
   * Sets a workspace's custom-host allowlist ({@code null}: none set); {@code false} when there is
   * no such workspace.
   */
  public boolean updateWorkspaceCustomHosts(String id, List<String> hosts) {
    String json;
    try {
      json = hosts == null ? null : JSON.writeValueAsString(hosts);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return update("UPDATE access_workspaces SET custom_hosts_json = ? WHERE id = ?", json, id) == 1;
  }

  // ---- gateway keys

  /** Adds a key; {@code false} when its id or hash is taken. */
  public boolean insertKey(KeyRow key) {
    return insert(
        "INSERT INTO access_keys (" + KEY_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        key.id(),
        key.workspace(),
        key.name(),
        key.secretHash(),
        key.displayPrefix(),
        json(key.scopes()),
        json(key.limits()),
        time(key.createdAt()),
        time(key.expiresAt()),
        time(key.revokedAt()),
        key.createdBy());
  }

  /** The key whose secret hashes so (revoked and expired ones too), if any. */
  public Optional<KeyRow> keyByHash(String secretHash) {
    return queryOne(
        "SELECT " + KEY_COLUMNS + " FROM access_keys WHERE secret_hash = ?",
        AccessStore::keyRow,
        secretHash);
  }

  public Optional<KeyRow> key(String id) {
    return queryOne(
        "SELECT " + KEY_COLUMNS + " FROM access_keys WHERE id = ?", AccessStore::keyRow, id);
  }

  /** Keys of a workspace, or of every workspace when {@code workspace} is {@code null}. */
  public List<KeyRow> keys(String workspace) {
    return workspace == null
        ? query(
            "SELECT " + KEY_COLUMNS + " FROM access_keys ORDER BY workspace, created_at, id",
            AccessStore::keyRow)
        : query(
            "SELECT "
                + KEY_COLUMNS
                + " FROM access_keys WHERE workspace = ? ORDER BY created_at, id",
            AccessStore::keyRow,
            workspace);
  }

  /** Rewrites a key's name, scopes, limits and expiry; {@code false} when it is not there. */
  public boolean updateKey(KeyRow key) {
    return update(
            "UPDATE access_keys SET name = ?, scopes_json = ?, limits_json = ?, expires_at = ?"
                + " WHERE id = ?",
            key.name(),
            json(key.scopes()),
            json(key.limits()),
            time(key.expiresAt()),
            key.id())
        == 1;
  }

  /**
   * Replaces a live key's secret hash, only if it is still {@code previousHash} (two rotations at
   * once: one wins); {@code false} otherwise.
   */
  public boolean replaceKeySecret(
      String id, String previousHash, String secretHash, String displayPrefix) {
    return update(
            "UPDATE access_keys SET secret_hash = ?, display_prefix = ? WHERE id = ? AND"
                + " secret_hash = ? AND revoked_at IS NULL",
            secretHash,
            displayPrefix,
            id,
            previousHash)
        == 1;
  }

  /** Marks a key revoked (once: a second revoke keeps the first time). */
  public boolean revokeKey(String id, Instant at) {
    return update(
            "UPDATE access_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
            time(at),
            id)
        == 1;
  }

  // ---- virtual keys

  /** Adds a virtual key; {@code false} when its workspace already has that slug. */
  public boolean insertVirtualKey(VirtualKeyRow key) {
    return insert(
        "INSERT INTO access_virtual_keys ("
            + VIRTUAL_KEY_COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        key.workspace(),
        key.slug(),
        key.provider(),
        key.ciphertext(),
        key.masterKeyId(),
        String.join(",", key.credentialNames()),
        json(key.limits()),
        time(key.createdAt()),
        time(key.rotatedAt()),
        time(key.revokedAt()));
  }

  public Optional<VirtualKeyRow> virtualKey(String workspace, String slug) {
    return queryOne(
        "SELECT "
            + VIRTUAL_KEY_COLUMNS
            + " FROM access_virtual_keys WHERE workspace = ? AND slug = ?",
        AccessStore::virtualKeyRow,
        workspace,
        slug);
  }

  /** Virtual keys of a workspace, or of every workspace when {@code workspace} is {@code null}. */
  public List<VirtualKeyRow> virtualKeys(String workspace) {
    return workspace == null
        ? query(
            "SELECT " + VIRTUAL_KEY_COLUMNS + " FROM access_virtual_keys ORDER BY workspace, slug",
            AccessStore::virtualKeyRow)
        : query(
            "SELECT "
                + VIRTUAL_KEY_COLUMNS
                + " FROM access_virtual_keys WHERE workspace = ? ORDER BY slug",
            AccessStore::virtualKeyRow,
            workspace);
  }

  /** Virtual keys whose credentials are not encrypted under {@code masterKeyId}. */
  public List<VirtualKeyRow> virtualKeysNotUnder(String masterKeyId) {
    return query(
        "SELECT "
            + VIRTUAL_KEY_COLUMNS
            + " FROM access_virtual_keys WHERE master_key_id <> ? ORDER BY workspace, slug",
        AccessStore::virtualKeyRow,
        masterKeyId);
  }

  public boolean updateVirtualKeyLimits(String workspace, String slug, Limits limits) {
    return update(
            "UPDATE access_virtual_keys SET limits_json = ? WHERE workspace = ? AND slug = ?",
            json(limits),
            workspace,
            slug)
        == 1;
  }

  /** New credentials for a live virtual key (the provider's key was rotated). */
  public boolean replaceCredentials(
      String workspace,
      String slug,
      byte[] ciphertext,
      String masterKeyId,
      Set<String> credentialNames,
      Instant rotatedAt) {
    return update(
            "UPDATE access_virtual_keys SET ciphertext = ?, master_key_id = ?, credential_names"
                + " = ?, rotated_at = ? WHERE workspace = ? AND slug = ? AND revoked_at IS NULL",
            ciphertext,
            masterKeyId,
            String.join(",", credentialNames),
            time(rotatedAt),
            workspace,
            slug)
        == 1;
  }

  /**
   * The same credentials encrypted anew, only if the row is still under {@code previousKeyId} (two
   * gateways re-encrypting at once: one wins, the other's write does nothing).
   */
  public boolean reencrypt(
      String workspace,
      String slug,
      String previousKeyId,
      byte[] previousCiphertext,
      byte[] ciphertext,
      String masterKeyId) {
    return update(
            "UPDATE access_virtual_keys SET ciphertext = ?, master_key_id = ? WHERE workspace = ?"
                + " AND slug = ? AND master_key_id = ? AND ciphertext = ?",
            ciphertext,
            masterKeyId,
            workspace,
            slug,
            previousKeyId,
            previousCiphertext)
        == 1;
  }

  public boolean revokeVirtualKey(String workspace, String slug, Instant at) {
    return update(
            "UPDATE access_virtual_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE workspace"
                + " = ? AND slug = ?",
            time(at),
            workspace,
            slug)
        == 1;
  }

  @Override
  public void close() {
    if (inMemory && !dataSource.isClosed()) {
      // A private in-memory database is dropped with its store, not kept for the JVM's life.
      try (Connection connection = dataSource.getConnection();
          Statement statement = connection.createStatement()) {
        statement.execute("SHUTDOWN");
      } catch (SQLException e) {
        // already gone
      }
    }
    dataSource.close();
  }

  // ---- rows

  private static Workspace workspaceRow(ResultSet row) throws SQLException {
    return new Workspace(
        row.getString("id"),
        row.getString("name"),
        limits(row.getString("limits_json")),
        instant(row, "created_at"),
        customHosts(row.getString("custom_hosts_json")));
  }

  private static List<String> customHosts(String json) throws SQLException {
    if (json == null) {
      return null;
    }
    try {
      return List.of(JSON.readValue(json, String[].class));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SQLException("a workspace's custom_hosts_json is not a list of hosts", e);
    }
  }

  private static KeyRow keyRow(ResultSet row) throws SQLException {
    return new KeyRow(
        row.getString("id"),
        row.getString("workspace"),
        row.getString("name"),
        row.getString("secret_hash"),
        row.getString("display_prefix"),
        scopes(row.getString("scopes_json")),
        limits(row.getString("limits_json")),
        instant(row, "created_at"),
        instant(row, "expires_at"),
        instant(row, "revoked_at"),
        row.getString("created_by"));
  }

  private static VirtualKeyRow virtualKeyRow(ResultSet row) throws SQLException {
    String names = row.getString("credential_names");
    Set<String> credentialNames =
        names.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(names.split(",")));
    return new VirtualKeyRow(
        row.getString("workspace"),
        row.getString("slug"),
        row.getString("provider"),
        row.getBytes("ciphertext"),
        row.getString("master_key_id"),
        credentialNames,
        limits(row.getString("limits_json")),
        instant(row, "created_at"),
        instant(row, "rotated_at"),
        instant(row, "revoked_at"));
  }

  private static String json(Limits limits) {
    return AccessJson.limits(limits == null ? Limits.NONE : limits).toString();
  }

  private static String json(KeyScopes scopes) {
    return AccessJson.scopes(scopes).toString();
  }

  private static Limits limits(String json) {
    try {
      return AccessJson.limits(JSON.readTree(json));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a stored limits_json is not JSON", e);
    }
  }

  private static KeyScopes scopes(String json) {
    try {
      return AccessJson.scopes(JSON.readTree(json));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("a stored scopes_json is not JSON", e);
    }
  }

  private static OffsetDateTime time(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static Instant instant(ResultSet row, String column) throws SQLException {
    OffsetDateTime time = row.getObject(column, OffsetDateTime.class);
    return time == null ? null : time.toInstant();
  }

  // ---- plumbing

  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  private boolean insert(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      statement.executeUpdate();
      return true;
    } catch (SQLException e) {
      if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
        return false;
      }
      throw failure(e);
    }
  }

  private int update(String sql, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      return statement.executeUpdate();
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private <T> List<T> query(String sql, RowReader<T> reader, Object... parameters) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      List<T> rows = new ArrayList<>();
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          rows.add(reader.read(result));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  private <T> Optional<T> queryOne(String sql, RowReader<T> reader, Object... parameters) {
    List<T> rows = query(sql, reader, parameters);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
  }

  private static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
    for (int i = 0; i < parameters.length; i++) {
      Object parameter = parameters[i];
      if (parameter == null) {
        statement.setNull(i + 1, java.sql.Types.NULL);
      } else {
        statement.setObject(i + 1, parameter);
      }
    }
  }

  private static GatewayUnavailableException failure(SQLException e) {
    // Never the database's message in the answer: PostgreSQL's may quote a row's values (a key's
    // hash, a ciphertext). The state says what kind of failure it was.
    return new GatewayUnavailableException(
        "The gateway's access store failed (SQL state " + e.getSQLState() + "); try again.", e);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
