package dev.switchboard.state.configs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.routing.StoredConfigs;
import dev.switchboard.state.documents.ChangeWatch;
import dev.switchboard.state.documents.DocumentAnswers;
import dev.switchboard.state.documents.DocumentStore;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saved routing configs that change while the gateway runs, built from {@link SavedConfigSettings}:
 * kept in a {@link DocumentStore} (the saved prompts' store, of kind {@code config}), each save a
 * new version checked as a request's config is before it is stored, every change in the audit trail
 * (who, when, which version, the config), a rollback a new version equal to an earlier one. The
 * router reads them from memory ({@link StoredConfigs}); the memory is brought up to date at once
 * after a change made through this gateway, and within {@link SavedConfigSettings#refresh()} after
 * one made through another gateway sharing the store (the store's change counter is read that
 * often, and only when it moved is every config read again).
 *
 * <p>The settings file's {@code configs} are saved in the store at start, by {@code settings}, when
 * they differ from the last version the settings file saved: an edit made through the admin API
 * stays over a restart until the file's config itself changes. Off (every admin operation a 404;
 * the settings' configs only) when the settings turn it off.
 */
public final class SavedConfigs implements StoredConfigs, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SavedConfigs.class);

  /** Who the audit trail names for a config saved from the settings file. */
  public static final String SETTINGS = "settings";

  /** What the admin API shows for a credential in a config. */
  static final String HIDDEN = "***";

  private final DocumentStore store;
  private final Clock clock;
  private final ChangeWatch watch;
  private volatile Consumer<JsonNode> check = config -> {};
  private volatile Map<String, Version> current = Map.of();

  private SavedConfigs(DocumentStore store, Clock clock, Duration refresh) {
    this.store = store;
    this.clock = clock;
    this.watch =
        store == null ? null : new ChangeWatch("saved configs", store, refresh, this::read);
  }

  /**
   * Opens the store (creating its tables when absent) and reads every config; off when {@code
   * settings} turn it off.
   *
   * @throws IllegalStateException when the store cannot be opened
   */
  public static SavedConfigs start(SavedConfigSettings settings, Clock clock) {
    if (!settings.enabled()) {
      return new SavedConfigs(null, clock, settings.refresh());
    }
    SavedConfigs configs =
        new SavedConfigs(
            DocumentStore.open(settings.jdbcUrl(), DocumentStore.Kind.CONFIG),
            clock,
            settings.refresh());
    configs.refresh();
    LOG.info(
        "saved configs: stored {}, read for changes every {}",
        settings.storeUrl().startsWith("jdbc:postgresql:") ? "in postgresql" : "embedded",
        settings.refresh());
    return configs;
  }

  /** Whether configs are kept in the store. */
  public boolean enabled() {
    return store != null;
  }

  /** Makes the router of the gateway {@code builder} builds look configs up here. */
  public void install(Gateway.Builder builder) {
    if (store != null) {
      builder.storedConfigs(this);
    }
  }

  /**
   * Once {@code gateway} is built: configs are checked by its parser before they are saved, the
   * settings file's {@code fromSettings} are saved where they changed, and the store is watched for
   * changes made through other gateways.
   */
  public void attach(Gateway gateway, Map<String, JsonNode> fromSettings) {
    if (store == null) {
      return;
    }
    check = gateway::checkConfig;
    fromSettings.forEach((id, config) -> {
      if (store.saveIfChanged(
          id,
          WireJson.writeString(config),
          saved -> WireJson.tree(saved).equals(config),
          SETTINGS,
          clock.instant())) {
        LOG.info("saved configs: {} saved from the settings file", id);
      }
    });
    refresh();
    watch.start();
  }

  @Override
  public Version find(String id) {
    return current.get(id);
  }

  /**
   * Reads the store's change counter and, when it moved since the last read, every config again;
   * whether it moved.
   */
  public boolean refresh() {
    return watch.refresh();
  }

  /** Reads every config again (the configs read last keep routing while the store is away). */
  private void read() {
    Map<String, Version> read = new HashMap<>();
    // A deleted config hides the settings' config of the same id: the router finds no config.
    for (String deleted : store.deleted()) {
      read.put(deleted, new Version(0, null));
    }
    for (DocumentStore.VersionRow row : store.latestVersions()) {
      read.put(row.id(), new Version(row.version(), WireJson.tree(row.document())));
    }
    current = Map.copyOf(read);
  }

  // ---- the admin's operations

  /**
   * Saves a new config: {@code body} is {@code {"id": "pc-main", "config": {…}}}; its version 1.
   *
   * @param actor who makes the change, as the audit trail names it
   * @throws AdminException 409 when the id is taken
   * @throws dev.switchboard.engine.errors.InvalidRequestException 400 for an invalid config, naming
   *     the field
   */
  public ObjectNode create(String actor, JsonNode body) {
    requireOn();
    String id = DocumentAnswers.newId(body, "saved config");
    String config = checked(body);
    if (!store.create(id, config, actor, clock.instant())) {
      throw AdminException.conflict("A config with id '" + id + "' already exists.");
    }
    refresh();
    return config(id);
  }

  /** Every saved config: its id, who made it and when, its latest version and the config. */
  public ObjectNode list() {
    requireOn();
    return DocumentAnswers.list(store.all(), this::summary);
  }

  /**
   * A saved config: its id, who made it and when, its latest version and the config, and every
   * version (number, time, author).
   *
   * @throws AdminException 404 when there is none
   */
  public ObjectNode config(String id) {
    requireOn();
    ObjectNode answer = summary(row(id));
    ArrayNode versions = answer.putArray("versions");
    for (DocumentStore.VersionRow version : store.versions(id)) {
      ObjectNode entry = versions.addObject();
      entry.put("version", version.version());
      entry.put("created_at", version.createdAt().toString());
      entry.put("created_by", version.createdBy());
    }
    return answer;
  }

  /**
   * One version of a saved config.
   *
   * @throws AdminException 404 when there is no such config or version
   */
  public ObjectNode version(String id, int version) {
    requireOn();
    row(id);
    return version(
        store
            .version(id, version)
            .orElseThrow(() ->
                AdminException.notFound("Config '" + id + "' has no version " + version + ".")));
  }

  /**
   * Saves {@code body}'s {@code config} as the next version of {@code id}.
   *
   * @throws AdminException 404 when there is no such config
   * @throws dev.switchboard.engine.errors.InvalidRequestException 400 for an invalid config
   */
  public ObjectNode addVersion(String actor, String id, JsonNode body) {
    requireOn();
    String config = checked(body);
    int version =
        store
            .addVersion(id, config, actor, "version", null, clock.instant())
            .orElseThrow(() -> noSuchConfig(id));
    refresh();
    return version(id, version);
  }

  /**
   * Rolls {@code id} back to {@code version}: a new version equal to it (checked again, as the
   * gateway's providers may have changed), audited as {@code rollback} from that version.
   *
   * @throws AdminException 400 when {@code version} is not earlier than the latest, 404 when there
   *     is no such config or version
   */
  public ObjectNode rollback(String actor, String id, int version) {
    requireOn();
    DocumentStore.DocumentRow row = row(id);
    if (version >= row.latestVersion()) {
      throw AdminException.invalid(
          "Roll back to an earlier version: '"
              + id
              + "' is at version "
              + row.latestVersion()
              + ", not after "
              + version
              + ".");
    }
    DocumentStore.VersionRow earlier =
        store
            .version(id, version)
            .orElseThrow(() ->
                AdminException.notFound("Config '" + id + "' has no version " + version + "."));
    check.accept(WireJson.tree(earlier.document()));
    int made =
        store
            .addVersion(id, earlier.document(), actor, "rollback", version, clock.instant())
            .orElseThrow(() -> noSuchConfig(id));
    refresh();
    return version(id, made);
  }

  /**
   * Deletes a saved config: a request naming it is a 400, as for an id never saved (the settings
   * file's config of that id too). Its versions and audit trail stay; saving it again brings it
   * back.
   *
   * @throws AdminException 404 when there is none
   */
  public ObjectNode delete(String actor, String id) {
    requireOn();
    if (!store.delete(id, actor, clock.instant())) {
      throw noSuchConfig(id);
    }
    refresh();
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("id", id);
    answer.put("object", "config");
    answer.put("deleted", true);
    return answer;
  }

  /**
   * The audit trail of a config, oldest first: each change's time, actor ({@code admin}, {@code
   * settings}), action ({@code create}, {@code version}, {@code rollback} with the version it
   * copied, {@code delete}), the version it made (or deleted) and that version's config.
   *
   * @throws AdminException 404 when the store never held it
   */
  public ObjectNode history(String id) {
    requireOn();
    var changes = store.history(id);
    if (changes.isEmpty()) {
      throw noSuchConfig(id);
    }
    Map<Integer, JsonNode> documents = new HashMap<>();
    for (DocumentStore.VersionRow version : store.versions(id)) {
      documents.put(version.version(), shown(version.document()));
    }
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    for (DocumentStore.AuditRow change : changes) {
      ObjectNode entry = data.addObject();
      entry.put("at", change.at().toString());
      entry.put("actor", change.actor());
      entry.put("action", change.action());
      entry.put("version", change.version());
      if (change.action().equals("rollback")) {
        entry.put("rolled_back_to", change.previousVersion());
      }
      entry.set("config", documents.get(change.version()));
    }
    return answer;
  }

  /** {@code body}'s {@code config}, checked by the gateway's parser, as the JSON to store. */
  private String checked(JsonNode body) {
    JsonNode config = body == null ? null : body.get("config");
    if (config == null || !config.isObject()) {
      throw AdminException.invalid("'config' must be a routing config (a JSON object).");
    }
    check.accept(config);
    return WireJson.writeString(config);
  }

  private DocumentStore.DocumentRow row(String id) {
    return store.find(id).orElseThrow(() -> noSuchConfig(id));
  }

  private ObjectNode summary(DocumentStore.DocumentRow row) {
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("id", row.id());
    answer.put("object", "config");
    answer.put("created_at", row.createdAt().toString());
    answer.put("created_by", row.createdBy());
    answer.put("latest_version", row.latestVersion());
    store
        .version(row.id(), row.latestVersion())
        .ifPresent(latest -> answer.set("config", shown(latest.document())));
    return answer;
  }

  private static ObjectNode version(DocumentStore.VersionRow row) {
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("id", row.id());
    answer.put("object", "config.version");
    answer.put("version", row.version());
    answer.put("created_at", row.createdAt().toString());
    answer.put("created_by", row.createdBy());
    answer.set("config", shown(row.document()));
    return answer;
  }

  /**
   * A stored config as the admin API shows it: each credential ({@code api_key} and the provider
   * options that are secrets, in either spelling, at any depth) as {@value #HIDDEN}.
   */
  static JsonNode shown(String document) {
    JsonNode config = WireJson.tree(document);
    hideCredentials(config);
    return config;
  }

  private static void hideCredentials(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Set<String> names = new java.util.LinkedHashSet<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String snake = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        if (snake.equals("api_key") || ProviderOptions.SECRETS.contains(snake)) {
          object.put(name, HIDDEN);
        } else {
          hideCredentials(object.get(name));
        }
      }
    } else if (node instanceof ArrayNode array) {
      array.forEach(SavedConfigs::hideCredentials);
    }
  }

  private static AdminException noSuchConfig(String id) {
    return AdminException.notFound("Config '" + id + "' not found.");
  }

  private void requireOn() {
    if (store == null) {
      throw AdminException.notFound(
          "Saved configs are not stored on this gateway (saved-configs.enabled): they come from"
              + " the settings file.");
    }
  }

  @Override
  public void close() {
    if (watch != null) {
      watch.close(); // and the store
    }
  }
}
