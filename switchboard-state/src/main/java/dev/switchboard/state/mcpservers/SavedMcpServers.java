package dev.switchboard.state.mcpservers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.access.store.StoreUrls;
import dev.switchboard.state.configs.SavedConfigSettings;
import dev.switchboard.state.documents.ChangeWatch;
import dev.switchboard.state.documents.DocumentStore;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upstream MCP servers declared through the admin API ({@code /v1/admin/mcp/servers}), kept in
 * a {@link DocumentStore} of kind {@code mcp_server} beside the saved configs (the same {@code
 * saved-configs.store}, its own tables; the embedded store its own file), so that every gateway
 * sharing the store serves them: a change made through this gateway is applied at once, one made
 * through another within {@code saved-configs.refresh} ({@link ChangeWatch}). Each declaration is
 * stored as the JSON it was declared with (its name the document's id), each change a new version
 * in the audit trail; what a declaration may be is the MCP gateway's to check ({@link #attach}).
 * Its header values are never shown ({@value #HIDDEN}). Off (every change a 404) when saved configs
 * are off: servers then come from the settings file only.
 */
public final class SavedMcpServers implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SavedMcpServers.class);

  /** What the admin API shows for a header's value. */
  public static final String HIDDEN = "***";

  /** The longest name: the store's id column holds more, a tool's namespaced name wants less. */
  private static final int LONGEST_NAME = 64;

  private final DocumentStore store;
  private final Clock clock;
  private final ChangeWatch watch;
  private volatile BiConsumer<String, JsonNode> check = (name, declaration) -> {};
  private volatile Consumer<Map<String, JsonNode>> apply = declared -> {};
  private volatile Map<String, JsonNode> current = Map.of();

  private SavedMcpServers(DocumentStore store, Clock clock, SavedConfigSettings settings) {
    this.store = store;
    this.clock = clock;
    this.watch =
        store == null
            ? null
            : new ChangeWatch("saved mcp servers", store, settings.refresh(), this::read);
  }

  /**
   * Opens the store (creating its tables when absent) where saved configs are kept; off when they
   * are.
   *
   * @throws IllegalStateException when the store cannot be opened
   */
  public static SavedMcpServers start(SavedConfigSettings settings, Clock clock) {
    if (!settings.enabled()) {
      return new SavedMcpServers(null, clock, settings);
    }
    String url = StoreUrls.jdbcUrl(settings.storeUrl(), settings.directory(), "mcp-servers");
    return new SavedMcpServers(
        DocumentStore.open(url, DocumentStore.Kind.MCP_SERVER), clock, settings);
  }

  /** Whether servers may be declared through the admin API here. */
  public boolean enabled() {
    return store != null;
  }

  /**
   * Once the MCP gateway runs: {@code check} checks each declaration before it is stored (throwing
   * what the admin API answers: an {@link IllegalArgumentException} is a 400, an {@link
   * AdminException} its status), {@code apply} is given every declaration, by name, now and after
   * each change (this gateway's or another's), and the store is watched.
   */
  public void attach(BiConsumer<String, JsonNode> check, Consumer<Map<String, JsonNode>> apply) {
    if (store == null) {
      return;
    }
    this.check = check;
    this.apply = apply;
    watch.refresh();
    watch.start();
    LOG.info("saved mcp servers: {} declared through the admin API", current.size());
  }

  /** Every declaration, by name, as last read. */
  public Map<String, JsonNode> declared() {
    return current;
  }

  private void read() {
    Map<String, JsonNode> read = new LinkedHashMap<>();
    for (DocumentStore.VersionRow row : store.latestVersions()) {
      read.put(row.id(), WireJson.tree(row.document()));
    }
    current = java.util.Collections.unmodifiableMap(read);
    apply.accept(current);
  }

  // ---- the admin's operations

  /**
   * Declares a server: {@code body} is its declaration with its {@code name}.
   *
   * @param actor who makes the change, as the audit trail names it
   * @throws AdminException 400 without a name, 409 when one of that name is declared
   */
  public ObjectNode create(String actor, JsonNode body) {
    requireOn();
    String name = name(body);
    ObjectNode declaration = declaration(body);
    check.accept(name, declaration);
    if (!store.create(name, WireJson.writeString(declaration), actor, clock.instant())) {
      throw AdminException.conflict("An MCP server named '" + name + "' is declared already.");
    }
    watch.refresh();
    return server(name);
  }

  /**
   * Replaces the declaration of {@code name} with {@code body} (its {@code name}, if given, the
   * same).
   *
   * @throws AdminException 404 when none of that name was declared through the admin API
   */
  public ObjectNode replace(String actor, String name, JsonNode body) {
    requireOn();
    if (body != null && body.has("name") && !name.equals(body.path("name").asText())) {
      throw AdminException.invalid("'name' is the path's, '" + name + "'; it cannot be changed.");
    }
    store.find(name).orElseThrow(() -> noSuchServer(name));
    ObjectNode declaration = declaration(body);
    check.accept(name, declaration);
    store
        .addVersion(
            name, WireJson.writeString(declaration), actor, "version", null, clock.instant())
        .orElseThrow(() -> noSuchServer(name));
    watch.refresh();
    return server(name);
  }

  /**
   * Removes a server declared through the admin API (its versions and audit trail stay).
   *
   * @throws AdminException 404 when there is none of that name
   */
  public ObjectNode delete(String actor, String name) {
    requireOn();
    if (!store.delete(name, actor, clock.instant())) {
      throw noSuchServer(name);
    }
    watch.refresh();
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("name", name);
    answer.put("object", "mcp.server");
    answer.put("deleted", true);
    return answer;
  }

  /**
   * A declared server as the admin API shows it, its header values hidden.
   *
   * @throws AdminException 404 when there is none of that name
   */
  public ObjectNode server(String name) {
    return find(name).orElseThrow(() -> noSuchServer(name));
  }

  /** A declared server as the admin API shows it, its header values hidden; empty: none. */
  public Optional<ObjectNode> find(String name) {
    if (store == null) {
      return Optional.empty();
    }
    return store
        .find(name)
        .flatMap(row ->
            store
                .version(name, row.latestVersion())
                .map(version -> {
                  ObjectNode shown = shown(name, WireJson.tree(version.document()));
                  shown.put("version", version.version());
                  shown.put("created_at", row.createdAt().toString());
                  shown.put("created_by", row.createdBy());
                  shown.put("updated_at", version.createdAt().toString());
                  return shown;
                }));
  }

  /** {@code declaration} with its name, each header's value {@value #HIDDEN}. */
  static ObjectNode shown(String name, JsonNode declaration) {
    ObjectNode shown = WireJson.mapper().createObjectNode();
    shown.put("name", name);
    shown.put("object", "mcp.server");
    declaration
        .properties()
        .forEach(field -> {
          if (field.getKey().equals("headers") && field.getValue().isObject()) {
            ObjectNode headers = shown.putObject("headers");
            field.getValue().fieldNames().forEachRemaining(header -> headers.put(header, HIDDEN));
          } else {
            shown.set(field.getKey(), field.getValue().deepCopy());
          }
        });
    return shown;
  }

  private static String name(JsonNode body) {
    if (body == null || !body.isObject() || !body.path("name").isTextual()) {
      throw AdminException.invalid("An MCP server needs a 'name'.");
    }
    String name = body.path("name").asText();
    if (name.isEmpty() || name.length() > LONGEST_NAME) {
      throw AdminException.invalid(
          "'name' must be 1 to " + LONGEST_NAME + " lower-case letters, digits and hyphens.");
    }
    return name;
  }

  /** The body as stored: the declaration without its name. */
  private static ObjectNode declaration(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw AdminException.invalid("An MCP server is declared as a JSON object.");
    }
    ObjectNode declaration = body.deepCopy();
    declaration.remove("name");
    return declaration;
  }

  private static AdminException noSuchServer(String name) {
    return AdminException.notFound(
        "No MCP server '" + name + "' was declared through the admin API.");
  }

  private void requireOn() {
    if (store == null) {
      throw AdminException.notFound(
          "MCP servers are not stored on this gateway (saved-configs.enabled is false): declare"
              + " them in the settings file.");
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close(); // and the store
    }
  }
}
