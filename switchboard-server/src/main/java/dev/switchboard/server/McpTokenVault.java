package dev.switchboard.server;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.store.AccessStore;
import dev.switchboard.access.store.StoreUrls;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.mcp.oauth.TokenSet;
import dev.switchboard.mcp.oauth.UpstreamTokenStore;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-user upstream OAuth tokens of the MCP gateway, sealed with the access layer's vault
 * ({@link SecretBox}: AES-256-GCM under the master-key ring, the row's server and caller as
 * associated data, so a row moved to another caller does not open) in a table of the access store's
 * kind: an H2 file {@code mcp-tokens} beside the access store, or the access store's PostgreSQL
 * database, shared by gateways.
 */
final class McpTokenVault implements UpstreamTokenStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(McpTokenVault.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS mcp_upstream_tokens (
            server VARCHAR(64) NOT NULL,
            caller VARCHAR(128) NOT NULL,
            updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
            ciphertext BYTEA NOT NULL,
            master_key_id CHAR(8) NOT NULL,
            PRIMARY KEY (server, caller))\
          """);

  private final HikariDataSource dataSource;
  private final SecretBox box;

  private McpTokenVault(HikariDataSource dataSource, SecretBox box) {
    this.dataSource = dataSource;
    this.box = box;
  }

  /**
   * The vault's store when access has a master key, else tokens kept in memory (sealing needs a
   * key; a restart then forgets them).
   */
  static UpstreamTokenStore open(AccessSettings access) {
    MasterKeys keys =
        MasterKeys.of(access.masterKey(), access.masterKeyFile(), access.previousMasterKeys());
    if (!access.enabled() || !keys.present()) {
      log.info(
          "mcp: per-user upstream tokens are kept in memory (no access.master-key to seal them)");
      return UpstreamTokenStore.inMemory();
    }
    String url = StoreUrls.jdbcUrl(access.storeUrl(), access.directory(), "mcp-tokens");
    return new McpTokenVault(
        AccessStore.poolWithTables(url, "mcp-tokens", SCHEMA), new SecretBox(keys));
  }

  private static String sealedFor(String server, String caller) {
    return "mcp-oauth/" + server + "/" + caller;
  }

  @Override
  public Optional<TokenSet> load(String server, String caller) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select =
            connection.prepareStatement(
                "SELECT ciphertext, master_key_id FROM mcp_upstream_tokens WHERE server = ? AND"
                    + " caller = ?")) {
      select.setString(1, server);
      select.setString(2, caller);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        byte[] plain =
            box.openBytes(
                sealedFor(server, caller),
                row.getBytes(1),
                row.getString(2).strip(),
                "The upstream tokens of MCP server '" + server + "'");
        Map<String, String> fields = JSON.readValue(plain, new TypeReference<>() {});
        String expires = fields.get("expires_at");
        return Optional.of(
            new TokenSet(
                fields.get("access_token"),
                fields.get("refresh_token"),
                expires == null ? null : Instant.parse(expires)));
      }
    } catch (SQLException | IOException e) {
      throw new IllegalStateException(
          "the MCP upstream tokens could not be read: " + e.getClass().getSimpleName());
    }
  }

  @Override
  public void save(String server, String caller, TokenSet tokens) {
    Map<String, String> fields = new HashMap<>();
    fields.put("access_token", tokens.accessToken());
    if (tokens.refreshToken() != null) {
      fields.put("refresh_token", tokens.refreshToken());
    }
    if (tokens.expiresAt() != null) {
      fields.put("expires_at", tokens.expiresAt().toString());
    }
    SecretBox.Sealed sealed;
    try {
      sealed = box.sealBytes(sealedFor(server, caller), JSON.writeValueAsBytes(fields));
    } catch (IOException e) {
      throw new IllegalStateException("the MCP upstream tokens could not be written");
    }
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert =
          connection.prepareStatement(
              "INSERT INTO mcp_upstream_tokens (server, caller, updated_at, ciphertext,"
                  + " master_key_id) VALUES (?, ?, ?, ?, ?)")) {
        delete(connection, server, caller);
        insert.setString(1, server);
        insert.setString(2, caller);
        insert.setObject(3, java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC));
        insert.setBytes(4, sealed.ciphertext());
        insert.setString(5, sealed.masterKeyId());
        insert.executeUpdate();
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the MCP upstream tokens could not be stored: " + e.getClass().getSimpleName());
    }
  }

  @Override
  public boolean delete(String server, String caller) {
    try (Connection connection = dataSource.getConnection()) {
      return delete(connection, server, caller);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the MCP upstream tokens could not be deleted: " + e.getClass().getSimpleName());
    }
  }

  private static boolean delete(Connection connection, String server, String caller)
      throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement(
            "DELETE FROM mcp_upstream_tokens WHERE server = ? AND caller = ?")) {
      delete.setString(1, server);
      delete.setString(2, caller);
      return delete.executeUpdate() > 0;
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
