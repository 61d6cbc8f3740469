package dev.switchboard.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scopes and limits as JSON, in the admin API's snake_case shape (also how the store keeps them):
 * {@code {"permissions":["completions"],"providers":["openai"],"models":null,…}} and {@code
 * {"requests_per_minute":60,"tokens_per_minute":null,"budget":{"cost_usd":"1.00","tokens":null,
 * "period":"month","alert_thresholds":["0.5","0.8"]}}}. Money is a string, so no digit is lost.
 * Reading is strict: a wrong type or an unknown permission or period is an {@link
 * IllegalArgumentException} naming the field.
 */
public final class AccessJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AccessJson() {}

  public static ObjectNode scopes(KeyScopes scopes) {
    ObjectNode node = NODES.objectNode();
    ArrayNode permissions = node.putArray("permissions");
    scopes.permissions().stream().map(Permission::wireName).sorted().forEach(permissions::add);
    putNames(node, "providers", scopes.providers());
    putNames(node, "models", scopes.models());
    putNames(node, "configs", scopes.configs());
    putNames(node, "virtual_keys", scopes.virtualKeys());
    return node;
  }

  public static KeyScopes scopes(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("scopes must be an object");
    }
    Set<String> permissionNames = names(node, "permissions");
    Set<Permission> permissions = new LinkedHashSet<>();
    if (permissionNames != null) {
      for (String name : permissionNames) {
        permissions.add(Permission.of(name));
      }
    }
    return new KeyScopes(
        permissions,
        names(node, "providers"),
        names(node, "models"),
        names(node, "configs"),
        names(node, "virtual_keys"));
  }

  public static ObjectNode limits(Limits limits) {
    ObjectNode node = NODES.objectNode();
    putLong(node, "requests_per_minute", limits.requestsPerMinute());
    putLong(node, "tokens_per_minute", limits.tokensPerMinute());
    Budget budget = limits.budget();
    if (budget == null) {
      node.putNull("budget");
    } else {
      ObjectNode b = node.putObject("budget");
      if (budget.costUsd() == null) {
        b.putNull("cost_usd");
      } else {
        b.put("cost_usd", budget.costUsd().toPlainString());
      }
      putLong(b, "tokens", budget.tokens());
      b.put("period", budget.period().wireName());
      ArrayNode thresholds = b.putArray("alert_thresholds");
      budget.alertThresholds().forEach(t -> thresholds.add(t.toPlainString()));
    }
    return node;
  }

  public static Limits limits(JsonNode node) {
    if (node == null || node.isNull()) {
      return Limits.NONE;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("limits must be an object");
    }
    Budget budget = null;
    JsonNode b = node.get("budget");
    if (b != null && !b.isNull()) {
      if (!b.isObject()) {
        throw new IllegalArgumentException("limits.budget must be an object");
      }
      List<BigDecimal> thresholds = new ArrayList<>();
      JsonNode t = b.get("alert_thresholds");
      if (t != null && !t.isNull()) {
        if (!t.isArray()) {
          throw new IllegalArgumentException("limits.budget.alert_thresholds must be an array");
        }
        for (JsonNode each : t) {
          thresholds.add(decimal(each, "limits.budget.alert_thresholds"));
        }
      }
      JsonNode period = b.get("period");
      budget =
          new Budget(
              b.hasNonNull("cost_usd")
                  ? decimal(b.get("cost_usd"), "limits.budget.cost_usd")
                  : null,
              whole(b, "tokens", "limits.budget.tokens"),
              period == null || period.isNull() ? null : Period.of(period.asText()),
              thresholds);
    }
    return new Limits(
        whole(node, "requests_per_minute", "limits.requests_per_minute"),
        whole(node, "tokens_per_minute", "limits.tokens_per_minute"),
        budget);
  }

  private static void putNames(ObjectNode node, String field, Set<String> names) {
    if (names == null) {
      node.putNull(field);
    } else {
      ArrayNode array = node.putArray(field);
      new TreeSet<>(names).forEach(array::add);
    }
  }

  private static void putLong(ObjectNode node, String field, Long value) {
    if (value == null) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private static Set<String> names(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isArray()) {
      throw new IllegalArgumentException("scopes." + field + " must be an array of strings");
    }
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode each : value) {
      if (!each.isTextual()) {
        throw new IllegalArgumentException("scopes." + field + " must be an array of strings");
      }
      names.add(each.asText());
    }
    return names;
  }

  private static Long whole(JsonNode node, String field, String name) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.canConvertToExactIntegral() || !value.canConvertToLong()) {
      throw new IllegalArgumentException(name + " must be a whole number");
    }
    return value.asLong();
  }

  private static BigDecimal decimal(JsonNode value, String name) {
    try {
      if (value.isNumber()) {
        return value.decimalValue();
      }
      if (value.isTextual()) {
        return new BigDecimal(value.asText());
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new IllegalArgumentException(name + " must be a decimal number");
  }
}
