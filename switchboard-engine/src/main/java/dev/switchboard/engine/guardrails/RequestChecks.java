package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;
import static dev.switchboard.engine.guardrails.TextChecks.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Portkey's {@code default.*} checks on the request itself rather than its text: the model, the
 * metadata, the kind of request; and the {@code addPrefix} transformer.
 */
final class RequestChecks {
  private RequestChecks() {}

  /** {@code default.modelWhitelist}: {@code models}, {@code not}. */
  static CheckResult modelWhitelist(CheckContext context, ObjectNode parameters) {
    JsonNode models = parameters.get("models");
    boolean not = not(parameters);
    if (models == null || !models.isArray()) {
      throw new CheckFailure("Missing or invalid model whitelist");
    }
    String model = context.model();
    if (model == null) {
      throw new CheckFailure("Missing model in request");
    }
    boolean inList = strings(models).contains(model);
    boolean verdict = not != inList;
    ObjectNode data = data().put("verdict", verdict).put("not", not);
    data.put(
        "explanation",
        verdict
            ? not
                ? "Model \"" + model + "\" is not in the allowed list as expected."
                : "Model \"" + model + "\" is allowed."
            : not
                ? "Model \"" + model + "\" is in the allowed list when it should not be."
                : "Model \"" + model + "\" is not in the allowed list.");
    data.put("requestedModel", model);
    data.set("allowedModels", models);
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code default.modelRules}: {@code rules} ({@code defaults}: models; {@code metadata}: for a
   * metadata key, the models each of its values allows), {@code not}.
   */
  static CheckResult modelRules(CheckContext context, ObjectNode parameters) {
    JsonNode rules = parameters.get("rules");
    boolean not = not(parameters);
    String model = context.model();
    if (model == null) {
      throw new CheckFailure("Missing model in request");
    }
    if (rules == null || !rules.isObject()) {
      throw new CheckFailure("Missing rules configuration");
    }
    Set<String> allowed = new LinkedHashSet<>();
    List<String> matchedRules = new ArrayList<>();
    JsonNode byMetadata = rules.path("metadata");
    if (byMetadata.isObject()) {
      byMetadata
          .properties()
          .forEach(rule -> {
            String value = context.metadata().get(rule.getKey());
            if (value == null) {
              return;
            }
            JsonNode models = rule.getValue().get(value);
            if (models != null && models.isArray()) {
              matchedRules.add(rule.getKey() + ":" + value);
              models.forEach(m -> {
                if (m.isTextual() && !m.asText().isEmpty()) {
                  allowed.add(m.asText());
                }
              });
            }
          });
    }
    boolean usingDefaults = false;
    if (allowed.isEmpty()) {
      allowed.addAll(strings(rules.path("defaults")));
      usingDefaults = true;
    }
    if (allowed.isEmpty()) {
      throw new CheckFailure("No allowed models resolved from rules");
    }
    boolean inList = allowed.contains(model);
    boolean verdict = not != inList;
    ObjectNode data = data().put("verdict", verdict).put("not", not);
    data.put(
        "explanation",
        verdict
            ? "Model \"" + model + "\" is allowed" + (usingDefaults ? " by the defaults." : ".")
            : "Model \"" + model + "\" is not allowed.");
    data.put("requestedModel", model);
    ArrayNode allowedJson = data.putArray("allowedModels");
    allowed.forEach(allowedJson::add);
    ArrayNode matched = data.putArray("matchedRules");
    matchedRules.forEach(matched::add);
    data.put("usingDefaults", usingDefaults);
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code default.requiredMetadataKeys}: {@code metadataKeys}, {@code operator} (all, any, none);
   * before the request only.
   */
  static CheckResult requiredMetadataKeys(CheckContext context, ObjectNode parameters) {
    if (context.event() != HookEvent.BEFORE_REQUEST) {
      throw new CheckFailure("This plugin only works for before_request_hooks");
    }
    JsonNode keys = parameters.get("metadataKeys");
    if (keys == null || !keys.isArray() || keys.isEmpty()) {
      throw new CheckFailure("metadataKeys must be an array and not empty");
    }
    for (JsonNode key : keys) {
      if (!key.isTextual()) {
        throw new CheckFailure("metadataKeys must be an array of strings");
      }
    }
    String operator = parameters.path("operator").asText("");
    if (!List.of("all", "any", "none").contains(operator)) {
      throw new CheckFailure("operator must be one of: all, any, none");
    }
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (JsonNode key : keys) {
      (context.metadata().containsKey(key.asText()) ? found : missing).add(key.asText());
    }
    boolean verdict =
        switch (operator) {
          case "any" -> !found.isEmpty();
          case "all" -> missing.isEmpty();
          default -> found.isEmpty();
        };
    ObjectNode data = data();
    String explanation =
        "Check " + (verdict ? "passed" : "failed") + " for '" + operator + "' metadata keys.";
    explanation +=
        switch (operator) {
          case "any" ->
              verdict ? " At least one metadata key was found." : " No metadata keys were found.";
          case "all" ->
              verdict ? " All metadata keys were found." : " Some metadata keys were missing.";
          default -> verdict ? " No metadata keys were found." : " Some metadata keys were found.";
        };
    data.put("explanation", explanation);
    ArrayNode missingJson = data.putArray("missing_metadata_keys");
    missing.forEach(missingJson::add);
    ArrayNode foundJson = data.putArray("found_metadata_keys");
    found.forEach(foundJson::add);
    data.put("operator", operator);
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code default.allowedRequestTypes}: {@code allowedTypes}, {@code blockedTypes} (arrays or
   * comma-separated), else the metadata's {@code supported_endpoints} / {@code blocked_endpoints};
   * a blocked type is refused even when allowed.
   */
  static CheckResult allowedRequestTypes(CheckContext context, ObjectNode parameters) {
    List<String> allowed = typeList(parameters.get("allowedTypes"));
    List<String> blocked = typeList(parameters.get("blockedTypes"));
    if (allowed.isEmpty()) {
      allowed = typeList(textNode(context.metadata().get("supported_endpoints")));
    }
    if (blocked.isEmpty()) {
      blocked = typeList(textNode(context.metadata().get("blocked_endpoints")));
    }
    String current = context.kind().portkeyName();
    List<String> conflicts = allowed.stream().filter(blocked::contains).toList();
    if (!allowed.isEmpty() && !blocked.isEmpty() && !conflicts.isEmpty()) {
      throw new CheckFailure(
          "Conflict detected: The following types appear in both allowedTypes and blockedTypes: "
              + String.join(", ", conflicts)
              + ". Please remove them from one list.");
    }
    boolean verdict;
    String mode;
    if (allowed.isEmpty() && blocked.isEmpty()) {
      verdict = true;
      mode = "unrestricted";
    } else if (allowed.isEmpty()) {
      verdict = !blocked.contains(current);
      mode = "blocklist";
    } else if (blocked.isEmpty()) {
      verdict = allowed.contains(current);
      mode = "allowlist";
    } else {
      verdict = !blocked.contains(current) && allowed.contains(current);
      mode = "combined";
    }
    ObjectNode data = data();
    data.put(
        "explanation",
        verdict
            ? "Request type \"" + current + "\" is allowed."
            : blocked.contains(current)
                ? "Request type \"" + current + "\" is blocked."
                : "Request type \"" + current + "\" is not in the allowed list.");
    data.put("currentRequestType", current);
    ArrayNode allowedJson = data.putArray("allowedTypes");
    allowed.forEach(allowedJson::add);
    ArrayNode blockedJson = data.putArray("blockedTypes");
    blocked.forEach(blockedJson::add);
    data.put("mode", mode);
    data.put("verdict", verdict);
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code default.addPrefix} (a transformer): {@code prefix}, {@code applyToRole} ({@code user}),
   * {@code addToExisting} ({@code true}), {@code onlyIfEmpty} ({@code false}). Before the request
   * only; chat, messages and completions.
   */
  static CheckResult addPrefix(CheckContext context, ObjectNode parameters) {
    JsonNode prefixJson = parameters.get("prefix");
    if (prefixJson == null || !prefixJson.isTextual()) {
      throw new CheckFailure("Prefix parameter is required and must be a string");
    }
    String prefix = prefixJson.asText();
    ObjectNode data = data();
    if (context.event() != HookEvent.BEFORE_REQUEST
        || !(context.kind() == RequestKind.CHAT
            || context.kind() == RequestKind.MESSAGES
            || context.kind() == RequestKind.COMPLETE)) {
      data.put(
          "explanation",
          "Skipped: the prefix is added to chat, messages and completion requests only.");
      return CheckResult.of(true, data);
    }
    if (context.request() == null) {
      throw new CheckFailure("Request JSON is empty or missing");
    }
    ObjectNode request = context.request().deepCopy();
    if (context.kind() == RequestKind.COMPLETE) {
      JsonNode prompt = request.get("prompt");
      if (prompt != null && prompt.isArray() && !prompt.isEmpty()) {
        ((ArrayNode) prompt).set(0, prefix + prompt.get(0).asText(""));
      } else {
        request.put("prompt", prefix + (prompt == null ? "" : prompt.asText("")));
      }
    } else {
      String role = parameters.path("applyToRole").asText("user");
      boolean addToExisting = parameters.path("addToExisting").asBoolean(true);
      boolean onlyIfEmpty = parameters.path("onlyIfEmpty").asBoolean(false);
      ArrayNode messages =
          request.path("messages").isArray()
              ? (ArrayNode) request.get("messages")
              : request.putArray("messages");
      int target = -1;
      for (int i = 0; i < messages.size(); i++) {
        if (role.equals(messages.get(i).path("role").asText())) {
          target = i;
          break;
        }
      }
      boolean anthropic = context.kind() == RequestKind.MESSAGES;
      if (target >= 0) {
        ObjectNode message = (ObjectNode) messages.get(target);
        JsonNode content = message.get("content");
        boolean empty =
            (content != null && content.isTextual() && content.asText().isBlank())
                || (content != null && content.isArray() && content.isEmpty());
        if (onlyIfEmpty && !empty) {
          data.put("explanation", "Skipped: the message is not empty.");
          return CheckResult.of(true, data);
        }
        if (addToExisting) {
          message.set("content", prefixed(content, prefix));
        } else {
          messages.insert(target, newMessage(role, prefix, anthropic));
        }
      } else if (role.equals("system")) {
        messages.insert(0, newMessage(role, prefix, anthropic));
      } else {
        messages.add(newMessage(role, prefix, anthropic));
      }
    }
    data.put("explanation", "Added the prefix to the request.");
    data.put("prefix", prefix);
    return new CheckResult(true, null, data, null, request);
  }

  private static JsonNode prefixed(JsonNode content, String prefix) {
    var nodes = dev.switchboard.wire.WireJson.mapper().getNodeFactory();
    if (content == null || content.isNull() || content.isTextual()) {
      return nodes.textNode(prefix + (content == null || content.isNull() ? "" : content.asText()));
    }
    if (content.isArray()) {
      ArrayNode parts = (ArrayNode) content.deepCopy();
      if (!parts.isEmpty() && "text".equals(parts.get(0).path("type").asText())) {
        ((ObjectNode) parts.get(0)).put("text", prefix + parts.get(0).path("text").asText(""));
        return parts;
      }
      parts.insert(0, nodes.objectNode().put("type", "text").put("text", prefix));
      return parts;
    }
    return nodes.textNode(prefix + content.asText());
  }

  private static ObjectNode newMessage(String role, String prefix, boolean anthropic) {
    var nodes = dev.switchboard.wire.WireJson.mapper().getNodeFactory();
    ObjectNode message = nodes.objectNode().put("role", role);
    if (anthropic) {
      message.putArray("content").addObject().put("type", "text").put("text", prefix);
    } else {
      message.put("content", prefix);
    }
    return message;
  }

  private static JsonNode textNode(String value) {
    return value == null
        ? null
        : dev.switchboard.wire.WireJson.mapper().getNodeFactory().textNode(value);
  }

  private static List<String> typeList(JsonNode value) {
    List<String> types = new ArrayList<>();
    if (value == null || value.isNull()) {
      return types;
    }
    if (value.isArray()) {
      value.forEach(v -> types.add(v.asText()));
    } else if (value.isTextual()) {
      String text = value.asText().strip();
      if (text.startsWith("[")) {
        try {
          dev.switchboard.wire.WireJson.tree(text).forEach(v -> types.add(v.asText()));
          return types;
        } catch (RuntimeException notJson) {
          // a comma-separated list after all
        }
      }
      for (String type : text.split(",")) {
        if (!type.isBlank()) {
          types.add(type.strip());
        }
      }
    }
    return types;
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    if (array != null && array.isArray()) {
      array.forEach(v -> values.add(v.asText()));
    }
    return values;
  }
}
