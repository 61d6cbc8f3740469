package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One hook in Portkey's shorthand form ({@code input_guardrails}, {@code output_guardrails}, {@code
 * input_mutators}, {@code output_mutators}): checks by id with their parameters, and whether a
 * failed check denies the request. Immutable; each method returns a copy.
 *
 * <pre>{@code
 * Guardrail.check("default.contains", Map.of("operator", "none", "words", List.of("secret")))
 *     .withCheck("default.wordCount", Map.of("minWords", 1, "maxWords", 500))
 *     .deny(true)
 * }</pre>
 *
 * The check ids are the gateway's (see docs/guardrails.md); an unknown id is refused by the gateway
 * with a 400 naming it.
 */
public final class Guardrail {
  private final Map<String, JsonNode> checks;
  private final Boolean deny;
  private final String id;

  private Guardrail(Map<String, JsonNode> checks, Boolean deny, String id) {
    this.checks = checks;
    this.deny = deny;
    this.id = id;
  }

  /** A hook running one check, e.g. {@code default.regexMatch} or {@code switchboard.pii}. */
  public static Guardrail check(String checkId, Map<String, ?> parameters) {
    return new Guardrail(Map.of(), null, null).withCheck(checkId, parameters);
  }

  /** Whether a failed check refuses the request (446) instead of only reporting it (246). */
  public Guardrail deny(boolean deny) {
    return new Guardrail(checks, deny, id);
  }

  /** The hook's id, as its results name it. */
  public Guardrail id(String hookId) {
    return new Guardrail(checks, deny, Json.requireText(hookId, "guardrail id"));
  }

  /** This hook with one more check. */
  public Guardrail withCheck(String checkId, Map<String, ?> parameters) {
    Json.requireText(checkId, "guardrail check id");
    if (Map.of("deny", 0, "id", 0, "async", 0, "on_fail", 0, "on_success", 0, "type", 0)
        .containsKey(checkId)) {
      throw new InvalidConfigException(checkId, "is a hook setting, not a check id");
    }
    JsonNode params = Json.tree(parameters == null ? Map.of() : parameters, checkId);
    if (!params.isObject()) {
      throw new InvalidConfigException(checkId, "must have an object of parameters");
    }
    Map<String, JsonNode> all = new LinkedHashMap<>(checks);
    all.put(checkId, params);
    return new Guardrail(java.util.Collections.unmodifiableMap(all), deny, id);
  }

  ObjectNode toJson() {
    ObjectNode json = Json.object();
    checks.forEach((checkId, params) -> json.set(checkId, params.deepCopy()));
    if (deny != null) {
      json.put("deny", deny);
    }
    if (id != null) {
      json.put("id", id);
    }
    return json;
  }
}
