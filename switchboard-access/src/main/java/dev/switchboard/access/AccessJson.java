package dev.switchboard.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Scopes and limits as JSON, in the admin API's snake_case shape (also how the store keeps them):
 * {@code {"permissions":["completions"],"providers":["openai"],"models":null,…}} and {@code
 * {"requests_per_minute":60,"tokens_per_minute":null,"budget":{"cost_usd":"1.00","tokens":null,
 * "period":"month","alert_thresholds":["0.5","0.8"]}}} (a key's also {@code
 * "mcp":{"calls_per_minute": 100,"servers":{"docs":20}}}). Money is a string, so no digit is lost.
 * Reading is strict: an unknown field, a wrong type, an unknown permission or period, a value out
 * of range is an {@link InvalidField} naming the field, so a typo never silently drops a limit. The
 * admin API, the CLI and the store all read and write through here.
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
    if (scopes.mcp() != null) {
      // Written only when set: a key that names no MCP scope reads back as any, as before.
      putNames(node, "mcp", scopes.mcp());
    }
    return node;
  }

  /**
   * Reads scopes; {@code permissions} is required ({@code []} for none), the other lists are {@code
   * null} for any.
   *
   * @throws InvalidField naming the field that is missing, unknown or of the wrong kind
   */
  public static KeyScopes scopes(JsonNode node) {
    fields(node, "scopes", "permissions", "providers", "models", "configs", "virtual_keys", "mcp");
    Set<String> permissionNames = names(node, "scopes.permissions");
    if (permissionNames == null) {
      throw new InvalidField(
          "scopes.permissions", "scopes.permissions is required (a list; [] for none).");
    }
    Set<Permission> permissions = new LinkedHashSet<>();
    for (String name : permissionNames) {
      try {
        permissions.add(Permission.of(name));
      } catch (IllegalArgumentException unknown) {
        throw new InvalidField(
            "scopes.permissions", "scopes.permissions: unknown permission '" + name + "'.");
      }
    }
    return new KeyScopes(
        permissions,
        names(node, "scopes.providers"),
        names(node, "scopes.models"),
        names(node, "scopes.configs"),
        names(node, "scopes.virtual_keys"),
        names(node, "scopes.mcp"));
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
    if (limits.mcp() != null) {
      // Written only when set: limits without it read back, and are shown, as before.
      ObjectNode mcp = node.putObject("mcp");
      putLong(mcp, "calls_per_minute", limits.mcp().callsPerMinute());
      ObjectNode servers = mcp.putObject("servers");
      limits.mcp().servers().forEach(servers::put);
    }
    return node;
  }

  /**
   * Reads limits; {@code null} is {@link Limits#NONE}.
   *
   * @throws InvalidField naming the field that is unknown, of the wrong kind or out of range
   */
  public static Limits limits(JsonNode node) {
    if (node == null || node.isNull()) {
      return Limits.NONE;
    }
    fields(node, "limits", "requests_per_minute", "tokens_per_minute", "budget", "mcp");
    Budget budget = budget(node.get("budget"));
    McpCallLimits mcp = mcpCallLimits(node.get("mcp"));
    try {
      return new Limits(
          whole(node, "limits.requests_per_minute"),
          whole(node, "limits.tokens_per_minute"),
          budget,
          mcp);
    } catch (InvalidField invalid) {
      throw invalid;
    } catch (IllegalArgumentException invalid) {
      throw new InvalidField("limits", "limits: " + invalid.getMessage());
    }
  }

  private static McpCallLimits mcpCallLimits(JsonNode node) {
    String where = "limits.mcp";
    if (node == null || node.isNull()) {
      return null;
    }
    fields(node, where, "calls_per_minute", "servers");
    Map<String, Long> servers = new LinkedHashMap<>();
    JsonNode byServer = node.get("servers");
    if (byServer != null && !byServer.isNull()) {
      if (!byServer.isObject()) {
        throw new InvalidField(
            where + ".servers",
            where + ".servers must be an object of calls per minute by server name.");
      }
      for (Iterator<String> names = byServer.fieldNames(); names.hasNext(); ) {
        String server = names.next();
        Long limit = whole(byServer, where + ".servers." + server);
        if (limit == null) {
          throw new InvalidField(
              where + ".servers." + server,
              where + ".servers." + server + " must be a whole number.");
        }
        servers.put(server, limit);
      }
    }
    try {
      return new McpCallLimits(whole(node, where + ".calls_per_minute"), servers);
    } catch (IllegalArgumentException invalid) {
      throw new InvalidField(where, where + ": " + invalid.getMessage());
    }
  }

  private static Budget budget(JsonNode node) {
    String where = "limits.budget";
    if (node == null || node.isNull()) {
      return null;
    }
    fields(node, where, "cost_usd", "tokens", "period", "alert_thresholds");
    Period period = null;
    if (node.hasNonNull("period")) {
      try {
        period = Period.of(node.get("period").asText());
      } catch (IllegalArgumentException unknown) {
        throw new InvalidField(where + ".period", where + ".period: " + unknown.getMessage());
      }
    }
    List<BigDecimal> thresholds = null;
    JsonNode list = node.get("alert_thresholds");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new InvalidField(
            where + ".alert_thresholds", where + ".alert_thresholds must be a list of fractions.");
      }
      thresholds = new ArrayList<>();
      for (JsonNode item : list) {
        thresholds.add(decimal(item, where + ".alert_thresholds"));
      }
    }
    BigDecimal cost =
        node.hasNonNull("cost_usd") ? decimal(node.get("cost_usd"), where + ".cost_usd") : null;
    Long tokens = whole(node, where + ".tokens");
    try {
      return new Budget(cost, tokens, period, thresholds);
    } catch (IllegalArgumentException invalid) {
      throw new InvalidField(where, where + ": " + invalid.getMessage());
    }
  }

  /**
   * Checks that {@code node} is an object with only the {@code allowed} fields.
   *
   * @param where the object's path ({@code limits.budget}), or {@code null} for a request's body
   * @throws InvalidField naming the unknown field, or {@code where} when it is not an object
   */
  public static void fields(JsonNode node, String where, String... allowed) {
    if (node == null || !node.isObject()) {
      throw new InvalidField(where, (where == null ? "body" : where) + " must be a JSON object.");
    }
    Set<String> known = Set.of(allowed);
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        String path = where == null ? name : where + "." + name;
        throw new InvalidField(
            path, "Unknown field '" + path + "'; expected one of " + new TreeSet<>(known) + ".");
      }
    }
  }

  /** A field of the JSON that is wrong: its path ({@code scopes.permissions}) and why. */
  public static final class InvalidField extends IllegalArgumentException {
    private final String field;

    InvalidField(String field, String message) {
      super(message);
      this.field = field;
    }

    /** The field's path, or {@code null} for the whole body. */
    public String field() {
      return field;
    }
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

  private static Set<String> names(JsonNode object, String path) {
    JsonNode node = object.get(path.substring(path.lastIndexOf('.') + 1));
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isArray()) {
      throw new InvalidField(path, path + " must be a list of strings, or null for any.");
    }
    Set<String> values = new LinkedHashSet<>();
    for (JsonNode item : node) {
      if (!item.isTextual()) {
        throw new InvalidField(path, path + " must be a list of strings.");
      }
      values.add(item.asText());
    }
    return values;
  }

  private static Long whole(JsonNode object, String path) {
    JsonNode node = object.get(path.substring(path.lastIndexOf('.') + 1));
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.canConvertToLong() || !node.isIntegralNumber()) {
      throw new InvalidField(path, path + " must be a whole number or null.");
    }
    return node.longValue();
  }

  private static BigDecimal decimal(JsonNode node, String path) {
    try {
      if (node.isNumber()) {
        return node.decimalValue();
      }
      if (node.isTextual()) {
        return new BigDecimal(node.asText().strip());
      }
    } catch (NumberFormatException notANumber) {
      // answered below
    }
    throw new InvalidField(
        path, path + " must be a decimal number (a string such as \"1.00\", or a number).");
  }
}
