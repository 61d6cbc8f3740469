package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;
import static dev.switchboard.engine.guardrails.TextChecks.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checks on JSON in a text: Portkey's {@code default.jsonSchema} and {@code default.jsonKeys},
 * which look for JSON anywhere in the text (a fenced block, else {@code {…}} spans), and ours,
 * {@code switchboard.jsonOutput}, which requires the whole answer to be one JSON document that the
 * schema accepts. Schemas are JSON Schema 2020-12 (as Portkey's), validated by networknt's
 * json-schema-validator; a schema may refer only within itself ({@code $ref: "#/…"}), so a config
 * cannot make the gateway fetch a URL.
 */
final class JsonChecks {
  private JsonChecks() {}

  private static final Pattern CODE_BLOCK = Pattern.compile("```+(?:json)?\\s*([\\s\\S]*?)```+");
  private static final Pattern BRACES = Pattern.compile("\\{[\\s\\S]*?}");
  private static final SchemaRegistry SCHEMAS =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  /** {@code default.jsonSchema}: {@code schema}, {@code not}. */
  static CheckResult jsonSchema(CheckContext context, ObjectNode parameters) {
    boolean not = not(parameters);
    Schema schema = schema(parameters.get("schema"));
    String text = context.text();
    List<String> candidates = matches(CODE_BLOCK, text, 1);
    if (candidates.isEmpty()) {
      candidates = matches(BRACES, text, 0);
    }
    JsonNode best = null;
    List<Error> bestErrors = List.of();
    boolean valid = false;
    for (String candidate : candidates) {
      JsonNode json = parse(candidate);
      if (json == null) {
        continue;
      }
      List<Error> errors = schema.validate(json);
      if (errors.isEmpty() || best == null) {
        best = json;
        bestErrors = errors;
        valid = errors.isEmpty();
      }
      if (valid) {
        break;
      }
    }
    ObjectNode data = data();
    if (best == null) {
      data.put("explanation", "No valid JSON found in the response.").put("not", not);
      return CheckResult.of(false, data);
    }
    boolean verdict = not != valid;
    data.set("matchedJson", best);
    data.put("not", not);
    data.put(
        "explanation",
        verdict
            ? not
                ? "Successfully validated JSON does not match the schema as expected."
                : "Successfully validated JSON against the provided schema."
            : not
                ? "JSON matches the schema when it should not."
                : "Failed to validate JSON against the provided schema.");
    data.set("validationErrors", errors(bestErrors));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.jsonKeys}: {@code keys}, {@code operator} (any, all, none). */
  static CheckResult jsonKeys(CheckContext context, ObjectNode parameters) {
    JsonNode keys = parameters.get("keys");
    String operator = parameters.path("operator").asText("");
    String text = context.text();
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    if (keys == null || !keys.isArray() || keys.isEmpty()) {
      throw new CheckFailure("Missing or invalid keys array");
    }
    if (!List.of("any", "all", "none").contains(operator)) {
      throw new CheckFailure("Invalid or missing operator (must be \"any\", \"all\", or \"none\")");
    }
    List<String> candidates = new ArrayList<>(matches(CODE_BLOCK, text, 1));
    candidates.addAll(matches(BRACES, text, 0));
    ObjectNode data = data();
    if (candidates.isEmpty()) {
      data.put("explanation", "No valid JSON found in the text.");
      data.set("requiredKeys", keys);
      data.put("operator", operator);
      return CheckResult.of(false, data);
    }
    JsonNode bestJson = null;
    List<String> bestPresent = List.of();
    List<String> bestMissing = new ArrayList<>();
    keys.forEach(k -> bestMissing.add(k.asText()));
    boolean verdict = false;
    for (String candidate : candidates) {
      JsonNode json = parse(candidate);
      if (json == null) {
        continue;
      }
      List<String> present = new ArrayList<>();
      List<String> missing = new ArrayList<>();
      for (JsonNode key : keys) {
        (json.isObject() && json.has(key.asText()) ? present : missing).add(key.asText());
      }
      boolean current =
          switch (operator) {
            case "any" -> !present.isEmpty();
            case "all" -> missing.isEmpty();
            default -> present.isEmpty();
          };
      if (current || present.size() > bestPresent.size()) {
        bestJson = json;
        bestPresent = present;
        bestMissing.clear();
        bestMissing.addAll(missing);
        verdict = current;
      }
      if (current) {
        break;
      }
    }
    data.set("matchedJson", bestJson);
    data.put("verdict", verdict);
    data.put(
        "explanation",
        "Check "
            + (verdict ? "passed" : "failed")
            + " for '"
            + operator
            + "' keys. Present: "
            + (bestPresent.isEmpty() ? "none" : String.join(", ", bestPresent))
            + "; missing: "
            + (bestMissing.isEmpty() ? "none" : String.join(", ", bestMissing))
            + ".");
    ArrayNode present = data.putArray("presentKeys");
    bestPresent.forEach(present::add);
    ArrayNode missing = data.putArray("missingKeys");
    bestMissing.forEach(missing::add);
    data.put("operator", operator);
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code switchboard.jsonOutput}: {@code schema}. The whole text (or the one fenced block it
   * consists of) must be JSON the schema accepts. Deny it and list 446 in a retry's {@code
   * on_status_codes}, and an answer that is not the JSON asked for is asked for again.
   */
  static CheckResult jsonOutput(CheckContext context, ObjectNode parameters) {
    Schema schema = schema(parameters.get("schema"));
    String text = context.text().strip();
    Matcher fenced = Pattern.compile("^```+(?:json)?\\s*([\\s\\S]*?)```+$").matcher(text);
    if (fenced.matches()) {
      text = fenced.group(1).strip();
    }
    ObjectNode data = data();
    JsonNode json = parse(text);
    if (json == null) {
      data.put("explanation", "The answer is not a JSON document.");
      data.putArray("validationErrors");
      return CheckResult.of(false, data);
    }
    List<Error> errors = schema.validate(json);
    data.put(
        "explanation",
        errors.isEmpty()
            ? "The answer is JSON that the schema accepts."
            : "The answer is JSON that the schema refuses.");
    data.set("validationErrors", errors(errors));
    return CheckResult.of(errors.isEmpty(), data);
  }

  private static Schema schema(JsonNode schema) {
    if (schema == null || !schema.isObject()) {
      throw new CheckFailure("Missing or invalid JSON schema");
    }
    refuseRemoteReferences(schema);
    try {
      return SCHEMAS.getSchema(schema);
    } catch (RuntimeException e) {
      throw new CheckFailure("Invalid JSON schema: " + e.getMessage());
    }
  }

  private static void refuseRemoteReferences(JsonNode node) {
    if (node.isObject()) {
      for (String keyword : List.of("$ref", "$dynamicRef", "$recursiveRef")) {
        JsonNode ref = node.get(keyword);
        if (ref != null && (!ref.isTextual() || !ref.asText().startsWith("#"))) {
          throw new CheckFailure(
              "The schema's " + keyword + " must point within the schema (start with #).");
        }
      }
      JsonNode id = node.get("$id");
      if (id != null) {
        throw new CheckFailure("The schema may not set $id.");
      }
    }
    node.forEach(JsonChecks::refuseRemoteReferences);
  }

  private static ArrayNode errors(List<Error> errors) {
    ArrayNode list = WireJson.mapper().createArrayNode();
    for (Error error : errors) {
      ObjectNode entry = list.addObject();
      String path =
          error.getInstanceLocation() == null ? "" : error.getInstanceLocation().toString();
      entry.put("path", path);
      entry.put("message", error.getMessage());
    }
    return list;
  }

  private static List<String> matches(Pattern pattern, String text, int group) {
    List<String> found = new ArrayList<>();
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      found.add(group == 0 ? matcher.group() : matcher.group(group).strip());
    }
    return found;
  }

  private static JsonNode parse(String candidate) {
    try {
      return WireJson.tree(candidate);
    } catch (WireFormatException | IllegalArgumentException e) {
      return null;
    }
  }
}
