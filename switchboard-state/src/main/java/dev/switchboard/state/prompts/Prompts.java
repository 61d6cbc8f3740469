package dev.switchboard.state.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.state.documents.DocumentAnswers;
import dev.switchboard.state.documents.DocumentStore;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saved prompt templates, built from {@link PromptSettings}: versions that never change once saved,
 * labels ({@code production}, {@code staging}, or any other) that point at a version and move, an
 * audit trail of every change (who, when, what), and rendering a version with a request's variables
 * into a chat request ({@code POST /v1/prompts/{id}/render} and {@code /completions}). Every read
 * goes to the store, so a change made through one gateway is seen by every gateway sharing the
 * store on its next request.
 *
 * <p>A prompt is named in a call as {@code id} (its {@code production} label, else its latest
 * version), {@code id@3} (version 3), {@code id@latest}, or {@code id@label}. Off (every operation
 * a 404) when the settings turn it off.
 */
public final class Prompts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Prompts.class);

  /** The label a bare id resolves to, when the prompt has it. */
  public static final String PRODUCTION = "production";

  private static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9_-]{0,63}");

  /** Fields of a render or completions request that are not chat fields. */
  private static final Set<String> CALL_FIELDS = Set.of("variables", "promptID", "prompt_id");

  private final DocumentStore store;
  private final Clock clock;

  private Prompts(DocumentStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Opens the store (creating its tables when absent); off when {@code settings} turn it off.
   *
   * @throws IllegalStateException when the store cannot be opened
   */
  public static Prompts start(PromptSettings settings, Clock clock) {
    if (!settings.enabled()) {
      return new Prompts(null, clock);
    }
    Prompts prompts =
        new Prompts(DocumentStore.open(settings.jdbcUrl(), DocumentStore.Kind.PROMPT), clock);
    LOG.info(
        "prompts: stored {}",
        settings.storeUrl().startsWith("jdbc:postgresql:") ? "in postgresql" : "embedded");
    return prompts;
  }

  /** Whether prompts are served. */
  public boolean enabled() {
    return store != null;
  }

  // ---- the admin's operations

  /**
   * Creates a prompt: {@code body} holds its {@code id} and its version 1's definition ({@link
   * PromptDefinition}).
   *
   * @param actor who makes the change, as the audit trail names it
   * @throws AdminException 400 for a bad definition, 409 when the id is taken
   */
  public ObjectNode create(String actor, JsonNode body) {
    requireOn();
    String id = DocumentAnswers.newId(body, "prompt");
    ObjectNode definition = ((ObjectNode) body).deepCopy();
    definition.remove("id");
    PromptDefinition parsed = PromptDefinition.parse(definition);
    if (!store.create(id, WireJson.writeString(parsed.toJson()), actor, clock.instant())) {
      throw AdminException.conflict("A prompt with id '" + id + "' already exists.");
    }
    return prompt(id);
  }

  /** Every prompt, by id, each as {@link #prompt} shows it without its versions. */
  public ObjectNode list() {
    requireOn();
    return DocumentAnswers.list(store.all(), this::summary);
  }

  /**
   * A prompt: its id, who made it and when, its latest version, its labels, and every version.
   *
   * @throws AdminException 404 when there is no such prompt
   */
  public ObjectNode prompt(String id) {
    requireOn();
    DocumentStore.DocumentRow row = row(id);
    ObjectNode answer = summary(row);
    ArrayNode versions = answer.putArray("versions");
    for (DocumentStore.VersionRow version : store.versions(id)) {
      versions.add(version(version));
    }
    return answer;
  }

  /**
   * One version of a prompt.
   *
   * @throws AdminException 404 when there is no such prompt or version
   */
  public ObjectNode version(String id, int version) {
    requireOn();
    return version(versionRow(id, version));
  }

  /**
   * Adds the next version of a prompt, from {@code body}'s definition; labels do not move.
   *
   * @throws AdminException 400 for a bad definition, 404 when there is no such prompt
   */
  public ObjectNode addVersion(String actor, String id, JsonNode body) {
    requireOn();
    PromptDefinition parsed = PromptDefinition.parse(body);
    int version =
        store
            .addVersion(
                id, WireJson.writeString(parsed.toJson()), actor, "version", null, clock.instant())
            .orElseThrow(() -> noSuchPrompt(id));
    return version(id, version);
  }

  /**
   * Points {@code label} at {@code version} (an existing one), creating the label if needed.
   *
   * @throws AdminException 400 for a bad label, 404 when there is no such prompt or version
   */
  public ObjectNode moveLabel(String actor, String id, String label, int version) {
    return moveLabel(actor, id, label, version, "label");
  }

  /**
   * Rolls {@code label} (by default {@code production}) back to an earlier version: the label
   * points at it again, and the audit trail says it was a rollback. Versions are never changed or
   * removed, so rolling forward again is another label move.
   *
   * @throws AdminException 400 when {@code version} is not earlier than the label's version, 404
   *     when there is no such prompt or version
   */
  public ObjectNode rollback(String actor, String id, String label, int version) {
    requireOn();
    String moved = label == null ? PRODUCTION : label;
    Integer current = store.label(id, moved).orElse(row(id).latestVersion());
    if (version >= current) {
      throw AdminException.invalid(
          "Roll back to an earlier version: '"
              + moved
              + "' is at version "
              + current
              + ", not after "
              + version
              + ".");
    }
    return moveLabel(actor, id, moved, version, "rollback");
  }

  /**
   * The audit trail of a prompt, oldest first: each change's time, actor, action ({@code create},
   * {@code version}, {@code label}, {@code rollback}), version, label and the label's version
   * before.
   *
   * @throws AdminException 404 when there is no such prompt
   */
  public ObjectNode history(String id) {
    requireOn();
    row(id);
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    for (DocumentStore.AuditRow change : store.history(id)) {
      ObjectNode entry = data.addObject();
      entry.put("at", change.at().toString());
      entry.put("actor", change.actor());
      entry.put("action", change.action());
      if (change.version() != null) {
        entry.put("version", change.version());
      }
      if (change.label() != null) {
        entry.put("label", change.label());
        if (change.previousVersion() == null) {
          entry.putNull("previous_version");
        } else {
          entry.put("previous_version", change.previousVersion());
        }
      }
    }
    return answer;
  }

  // ---- calls

  /**
   * Renders the prompt {@code reference} names ({@code id}, {@code id@3}, {@code id@latest}, {@code
   * id@label}) with {@code request}'s {@code variables}; the request's other fields (but {@code
   * promptID}) are chat fields set over the version's ({@code max_tokens}, {@code stream}, {@code
   * model}, …).
   *
   * @throws InvalidRequestException 404 when no such prompt, version or label; 400 for a missing
   *     variable (naming it) or a request that is not a JSON object
   */
  public RenderedPrompt render(String reference, JsonNode request) {
    if (store == null) {
      throw InvalidRequestException.notFound(
          "Prompts are off on this gateway (prompts.enabled).", null, "not_found");
    }
    if (request == null || !request.isObject()) {
      throw new InvalidRequestException("The request body must be a JSON object.", null, null);
    }
    JsonNode variables = request.path("variables");
    if (!variables.isMissingNode() && !variables.isNull() && !variables.isObject()) {
      throw new InvalidRequestException(
          "'variables' must be an object of values by name.", "variables", null);
    }
    DocumentStore.VersionRow row = resolve(reference);
    PromptDefinition definition = PromptDefinition.fromStored(row.document());
    ArrayNode messages =
        PromptTemplate.compile(definition).render(variables, row.id(), row.version());
    ObjectNode body = WireJson.mapper().createObjectNode();
    if (definition.model() != null) {
      body.put("model", definition.model());
    }
    body.setAll(definition.parameters().deepCopy());
    body.set("messages", messages);
    request
        .fields()
        .forEachRemaining(field -> {
          if (!CALL_FIELDS.contains(field.getKey())) {
            body.set(field.getKey(), field.getValue().deepCopy());
          }
        });
    return new RenderedPrompt(row.id(), row.version(), body, definition.configHeader());
  }

  /** The version a reference names. */
  private DocumentStore.VersionRow resolve(String reference) {
    int at = reference.lastIndexOf('@');
    String id = at < 0 ? reference : reference.substring(0, at);
    String selector = at < 0 ? null : reference.substring(at + 1);
    DocumentStore.DocumentRow prompt =
        store
            .find(id)
            .orElseThrow(() ->
                InvalidRequestException.notFound(
                    "Prompt '" + id + "' not found.", null, "prompt_not_found"));
    int version;
    if (selector == null) {
      version = store.label(id, PRODUCTION).orElse(prompt.latestVersion());
    } else if (selector.equals("latest")) {
      version = prompt.latestVersion();
    } else if (selector.chars().allMatch(Character::isDigit) && !selector.isEmpty()) {
      version = parseVersion(selector);
    } else {
      version =
          store
              .label(id, selector)
              .orElseThrow(() ->
                  InvalidRequestException.notFound(
                      "Prompt '" + id + "' has no label '" + selector + "'.",
                      null,
                      "prompt_not_found"));
    }
    int chosen = version;
    return store
        .version(id, chosen)
        .orElseThrow(() ->
            InvalidRequestException.notFound(
                "Prompt '" + id + "' has no version " + chosen + ".", null, "prompt_not_found"));
  }

  private static int parseVersion(String digits) {
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException tooLong) {
      return -1; // no such version
    }
  }

  private ObjectNode moveLabel(String actor, String id, String label, int version, String action) {
    requireOn();
    if (label == null || !LABEL.matcher(label).matches() || label.equals("latest")) {
      throw AdminException.invalid(
          "A label is 1 to 64 lower-case letters, digits, '_' or '-', starting with a letter, and"
              + " not 'latest'.");
    }
    versionRow(id, version);
    Integer previous = store.moveLabel(id, label, version, actor, action, clock.instant());
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("prompt_id", id);
    answer.put("label", label);
    answer.put("version", version);
    if (previous == null) {
      answer.putNull("previous_version");
    } else {
      answer.put("previous_version", previous);
    }
    return answer;
  }

  private DocumentStore.DocumentRow row(String id) {
    return store.find(id).orElseThrow(() -> noSuchPrompt(id));
  }

  private DocumentStore.VersionRow versionRow(String id, int version) {
    row(id);
    return store
        .version(id, version)
        .orElseThrow(
            () -> AdminException.notFound("Prompt '" + id + "' has no version " + version + "."));
  }

  private ObjectNode summary(DocumentStore.DocumentRow row) {
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("id", row.id());
    answer.put("object", "prompt");
    answer.put("created_at", row.createdAt().toString());
    answer.put("created_by", row.createdBy());
    answer.put("latest_version", row.latestVersion());
    ObjectNode labels = answer.putObject("labels");
    for (Map.Entry<String, Integer> label : store.labels(row.id()).entrySet()) {
      labels.put(label.getKey(), label.getValue());
    }
    return answer;
  }

  private static ObjectNode version(DocumentStore.VersionRow row) {
    PromptDefinition definition = PromptDefinition.fromStored(row.document());
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("prompt_id", row.id());
    answer.put("version", row.version());
    answer.put("created_at", row.createdAt().toString());
    answer.put("created_by", row.createdBy());
    answer.set("template", definition.toJson());
    ArrayNode variables = answer.putArray("variables");
    definition.variables().forEach(variables::add);
    return answer;
  }

  private static AdminException noSuchPrompt(String id) {
    return AdminException.notFound("Prompt '" + id + "' not found.");
  }

  private void requireOn() {
    if (store == null) {
      throw AdminException.notFound("Prompts are off on this gateway (prompts.enabled).");
    }
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
  }
}
