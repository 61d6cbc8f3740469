package dev.switchboard.access;

import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What the access tests share: requests, keys, a gateway in front of a fake OpenAI, raw rows. */
final class AccessFixtures {
  static final String MASTER_KEY_1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  static final String MASTER_KEY_2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
  static final String MASTER_KEY_3 = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";

  private AccessFixtures() {}

  static ChatRequest chat(String model) {
    return new ChatRequest(
        model,
        List.of(new ChatMessage.User("Hello")),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  static KeyScopes scopes(Set<Permission> permissions) {
    return new KeyScopes(permissions, null, null, null, null);
  }

  static final Set<Permission> MODEL_ROUTES =
      Set.of(
          Permission.COMPLETIONS, Permission.EMBEDDINGS, Permission.MODELS, Permission.PASSTHROUGH);

  /** An admin-made key of a workspace, with every model route and nothing else limited. */
  static AccessAdmin.CreatedKey key(Access access, String workspace) {
    return access
        .admin()
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest(workspace, "test", scopes(MODEL_ROUTES), null, null));
  }

  static Gateway gateway(Access access, FakeOpenAi openai) {
    Gateway.Builder builder =
        Gateway.builder()
            .settings(
                GatewaySettings.builder()
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .build());
    access.install(builder, PriceTable.shipped());
    return builder.build();
  }

  /** Every value of every row of a table, as text, and binary columns as their raw bytes. */
  static List<Object> rawRows(Access access, String table) throws SQLException {
    List<Object> values = new ArrayList<>();
    try (Connection connection = access.store().dataSource().getConnection();
        Statement statement = connection.createStatement();
        // The table name is one of the test's constants, never input.
        ResultSet rows = statement.executeQuery("SELECT * FROM " + table)) {
      ResultSetMetaData meta = rows.getMetaData();
      while (rows.next()) {
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          Object value = rows.getObject(i);
          values.add(value instanceof byte[] ? value : String.valueOf(value));
        }
      }
    }
    return values;
  }
}
