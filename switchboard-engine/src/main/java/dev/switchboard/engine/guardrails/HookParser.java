package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Hook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a config node's hook fields into {@link Hook}s, as Portkey's gateway does
 * (https://portkey.ai/docs/product/guardrails): the full form ({@code before_request_hooks}, {@code
 * after_request_hooks}) and the shorthand ({@code input_guardrails}, {@code output_guardrails},
 * {@code input_mutators}, {@code output_mutators}), whose hooks come after the full form's. Both
 * spellings of every field are accepted ({@code on_fail} and {@code onFail}, {@code is_enabled} and
 * {@code isEnabled}). A check id without a source is a {@code default.} one.
 *
 * <p>Stricter than Portkey: an unknown check id is refused with a 400 that names it, where Portkey
 * runs the hook, records an error for the check and passes it (fail open) — a guardrail that never
 * runs must not look like one that passed.
 */
public final class HookParser {
  /** Hook fields a shorthand entry may carry beside its checks. */
  private static final Set<String> SHORTHAND_HOOK_FIELDS =
      Set.of(
          "deny",
          "on_fail",
          "on_success",
          "async",
          "id",
          "type",
          "guardrail_version_id",
          "sequential");

  /** The fields of a config node (or of the MCP settings' guardrails) that set its hooks. */
  public static final Set<String> FIELDS =
      Set.of(
          "before_request_hooks",
          "after_request_hooks",
          "input_guardrails",
          "output_guardrails",
          "input_mutators",
          "output_mutators");

  private HookParser() {}

  /**
   * The hooks a config node sets: before and after, each {@code null} when the node sets none (so
   * it inherits its parent's).
   */
  public record NodeHooks(List<Hook> before, List<Hook> after) {
    public static final NodeHooks NONE = new NodeHooks(null, null);
  }

  /**
   * Parses a node's hook fields (snake_case names, as the config parser keeps them).
   *
   * @param path the node's path in the config, for errors
   */
  public static NodeHooks node(Map<String, JsonNode> fields, String path) {
    List<Hook> before = null;
    List<Hook> after = null;
    if (fields.containsKey("before_request_hooks")) {
      before = full(fields.get("before_request_hooks"), path + ".before_request_hooks");
    }
    if (fields.containsKey("after_request_hooks")) {
      after = full(fields.get("after_request_hooks"), path + ".after_request_hooks");
    }
    before =
        appended(
            before,
            fields.get("input_guardrails"),
            "input",
            Hook.Type.GUARDRAIL,
            path + ".input_guardrails");
    before =
        appended(
            before,
            fields.get("input_mutators"),
            "input",
            Hook.Type.MUTATOR,
            path + ".input_mutators");
    after =
        appended(
            after,
            fields.get("output_guardrails"),
            "output",
            Hook.Type.GUARDRAIL,
            path + ".output_guardrails");
    after =
        appended(
            after,
            fields.get("output_mutators"),
            "output",
            Hook.Type.MUTATOR,
            path + ".output_mutators");
    return new NodeHooks(before, after);
  }

  /**
   * Parses the shorthand list of Portkey's {@code x-portkey-default-input-guardrails} or {@code
   * -output-guardrails} header.
   */
  public static List<Hook> shorthand(JsonNode list, String side, String param) {
    List<Hook> hooks = appended(null, list, side, Hook.Type.GUARDRAIL, param);
    return hooks == null ? List.of() : hooks;
  }

  private static List<Hook> appended(
      List<Hook> hooks, JsonNode shorthand, String side, Hook.Type type, String path) {
    if (shorthand == null || shorthand.isNull()) {
      return hooks;
    }
    if (!shorthand.isArray()) {
      throw invalid(path, "must be an array of guardrail objects");
    }
    List<Hook> all = hooks == null ? new ArrayList<>() : new ArrayList<>(hooks);
    for (int i = 0; i < shorthand.size(); i++) {
      all.add(shorthandHook(shorthand.get(i), side, type, i, path + "[" + i + "]"));
    }
    return all;
  }

  private static Hook shorthandHook(
      JsonNode json, String side, Hook.Type defaultType, int index, String path) {
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be an object of checks and hook settings");
    }
    Map<String, JsonNode> fields = new java.util.LinkedHashMap<>();
    List<Hook.Check> checks = new ArrayList<>();
    object
        .properties()
        .forEach(field -> {
          String snake = snakeCase(field.getKey());
          if (SHORTHAND_HOOK_FIELDS.contains(snake)) {
            fields.put(snake, field.getValue());
          } else {
            String at = path + "." + field.getKey();
            if (!(field.getValue() instanceof ObjectNode parameters)) {
              throw invalid(at, "must be an object of the check's parameters");
            }
            String id =
                parameters.path("id").isTextual() ? parameters.get("id").asText() : field.getKey();
            checks.add(check(id, parameters, enabled(parameters, at), at));
          }
        });
    String id =
        fields.containsKey("id")
            ? text(fields.get("id"), path + ".id")
            : side + "_guardrail_" + index;
    return hook(id, defaultType, fields, checks, path);
  }

  private static List<Hook> full(JsonNode list, String path) {
    if (list == null || !list.isArray()) {
      throw invalid(path, "must be an array of hooks");
    }
    List<Hook> hooks = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(list.get(i) instanceof ObjectNode object)) {
        throw invalid(at, "must be a hook object");
      }
      Map<String, JsonNode> fields = new java.util.LinkedHashMap<>();
      object.properties().forEach(f -> fields.put(snakeCase(f.getKey()), f.getValue()));
      JsonNode checksJson = fields.get("checks");
      List<Hook.Check> checks = new ArrayList<>();
      if (checksJson != null && !checksJson.isNull()) {
        if (!checksJson.isArray()) {
          throw invalid(at + ".checks", "must be an array of checks");
        }
        for (int c = 0; c < checksJson.size(); c++) {
          String checkPath = at + ".checks[" + c + "]";
          if (!(checksJson.get(c) instanceof ObjectNode checkJson)) {
            throw invalid(checkPath, "must be a check object with an id");
          }
          Map<String, JsonNode> checkFields = new java.util.LinkedHashMap<>();
          checkJson.properties().forEach(f -> checkFields.put(snakeCase(f.getKey()), f.getValue()));
          String id = text(checkFields.get("id"), checkPath + ".id");
          JsonNode parameters = checkFields.get("parameters");
          if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw invalid(checkPath + ".parameters", "must be an object");
          }
          ObjectNode params =
              parameters instanceof ObjectNode p ? p : JsonNodeFactory.instance.objectNode();
          JsonNode enabled = checkFields.get("is_enabled");
          checks.add(
              check(
                  id,
                  params,
                  enabled == null || enabled.isNull() || enabled.asBoolean(true),
                  checkPath));
        }
      }
      String id = fields.containsKey("id") ? text(fields.get("id"), at + ".id") : "hook_" + i;
      hooks.add(hook(id, Hook.Type.GUARDRAIL, fields, checks, at));
    }
    return hooks;
  }

  private static Hook hook(
      String id,
      Hook.Type defaultType,
      Map<String, JsonNode> fields,
      List<Hook.Check> checks,
      String path) {
    Hook.Type type = defaultType;
    JsonNode typeJson = fields.get("type");
    if (typeJson != null && !typeJson.isNull()) {
      type =
          switch (typeJson.asText()) {
            case "guardrail" -> Hook.Type.GUARDRAIL;
            case "mutator" -> Hook.Type.MUTATOR;
            default -> throw invalid(path + ".type", "must be guardrail or mutator");
          };
    }
    return new Hook(
        id,
        type,
        bool(fields.get("deny"), path + ".deny"),
        bool(fields.get("async"), path + ".async"),
        bool(fields.get("sequential"), path + ".sequential"),
        objectOrNull(fields.get("on_fail"), path + ".on_fail"),
        objectOrNull(fields.get("on_success"), path + ".on_success"),
        checks);
  }

  private static Hook.Check check(String id, ObjectNode parameters, boolean enabled, String path) {
    String full = id.contains(".") ? id : "default." + id;
    if (!Checks.ids().contains(full)) {
      throw invalid(
          path,
          "names the check '"
              + full
              + "', which this gateway does not have (see docs/guardrails.md)");
    }
    return new Hook.Check(full, parameters.deepCopy(), enabled);
  }

  private static boolean enabled(ObjectNode parameters, String path) {
    JsonNode value =
        parameters.has("is_enabled") ? parameters.get("is_enabled") : parameters.get("isEnabled");
    return value == null || value.isNull() || value.asBoolean(true);
  }

  private static boolean bool(JsonNode value, String path) {
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw invalid(path, "must be true or false");
    }
    return value.asBoolean();
  }

  private static JsonNode objectOrNull(JsonNode value, String path) {
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw invalid(path, "must be an object");
    }
    return value.deepCopy();
  }

  private static String text(JsonNode value, String path) {
    if (value == null || !value.isTextual() || value.asText().isBlank()) {
      throw invalid(path, "must be a non-empty string");
    }
    return value.asText();
  }

  static String snakeCase(String key) {
    StringBuilder snake = new StringBuilder(key.length() + 4);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }

  private static InvalidRequestException invalid(String path, String why) {
    return new InvalidRequestException("Invalid config passed: " + path + " " + why, path, null);
  }
}
