package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.AccessJson;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Subject;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.access.limits.Limiter;
import dev.switchboard.engine.errors.InvalidRequestException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The admin API's JSON, both ways: snake_case names, money as decimal strings, instants as ISO-8601
 * UTC strings, absent or {@code null} parts as {@code null}. Reading is strict: an unknown field or
 * a value of the wrong kind is a 400 ({@link InvalidRequestException}) naming the field, so a typo
 * never silently drops a limit. A key's secret is written only by {@link #createdKey}.
 */
final class AdminJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AdminJson() {}

  // ---- reading ----

  /** The body of {@code POST /v1/admin/workspaces}. */
  record WorkspaceRequest(String id, String name, Limits limits) {}

  static WorkspaceRequest workspaceRequest(JsonNode body) {
    object(body, null, "id", "name", "limits");
    return new WorkspaceRequest(
        requiredText(body, "id"), text(body, "name"), limits(body.get("limits")));
  }

  /** The {@code limits} of a {@code PATCH} body ({@code {"limits": {...}}}). */
  static Limits limitsUpdate(JsonNode body) {
    object(body, null, "limits");
    if (!body.has("limits")) {
      throw new InvalidRequestException("limits is required.", "limits", null);
    }
    Limits limits = limits(body.get("limits"));
    return limits == null ? Limits.NONE : limits;
  }

  /**
   * A workspace's {@code PATCH} body: its {@code limits}, its {@code custom_hosts} (a list of
   * hosts, or {@code null} to clear it), or both; each absent field is left as it is.
   */
  record WorkspaceUpdate(Limits limits, boolean setsCustomHosts, List<String> customHosts) {}

  static WorkspaceUpdate workspaceUpdate(JsonNode body) {
    object(body, null, "limits", "custom_hosts");
    if (!body.has("limits") && !body.has("custom_hosts")) {
      throw new InvalidRequestException("limits or custom_hosts is required.", "limits", null);
    }
    Limits limits = null;
    if (body.has("limits")) {
      limits = limits(body.get("limits"));
      limits = limits == null ? Limits.NONE : limits;
    }
    JsonNode hosts = body.get("custom_hosts");
    List<String> customHosts = null;
    if (hosts != null && !hosts.isNull()) {
      if (!hosts.isArray()) {
        throw new InvalidRequestException(
            "custom_hosts must be a list of hosts, or null.", "custom_hosts", null);
      }
      customHosts = new java.util.ArrayList<>();
      for (JsonNode host : hosts) {
        if (!host.isTextual()) {
          throw new InvalidRequestException(
              "custom_hosts must be a list of strings.", "custom_hosts", null);
        }
        customHosts.add(host.asText());
      }
    }
    return new WorkspaceUpdate(limits, hosts != null, customHosts);
  }

  static AccessAdmin.KeyRequest keyRequest(JsonNode body) {
    object(body, null, "workspace", "name", "scopes", "limits", "expires_at");
    return new AccessAdmin.KeyRequest(
        text(body, "workspace"),
        text(body, "name"),
        scopes(body.get("scopes")),
        limits(body.get("limits")),
        instant(body, "expires_at"));
  }

  static AccessAdmin.KeyUpdate keyUpdate(JsonNode body) {
    object(body, null, "name", "scopes", "limits", "expires_at");
    return new AccessAdmin.KeyUpdate(
        text(body, "name"),
        scopes(body.get("scopes")),
        limits(body.get("limits")),
        instant(body, "expires_at"));
  }

  static AccessAdmin.VirtualKeyRequest virtualKeyRequest(JsonNode body) {
    object(body, null, "workspace", "slug", "provider", "credentials", "limits");
    return new AccessAdmin.VirtualKeyRequest(
        text(body, "workspace"),
        requiredText(body, "slug"),
        requiredText(body, "provider"),
        credentials(body.get("credentials")),
        limits(body.get("limits")));
  }

  /** The body of a virtual key's rotation: {@code {"credentials": {...}}}. */
  static Map<String, String> rotation(JsonNode body) {
    object(body, null, "credentials");
    return credentials(body.get("credentials"));
  }

  /** {@code key:ID}, {@code workspace:ID}, {@code virtual_key:WS/SLUG}. */
  record SubjectName(Subject.Kind kind, String id) {}

  static SubjectName subject(String value) {
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(
          "subject is required: key:ID, workspace:ID or virtual_key:WORKSPACE/SLUG.",
          "subject",
          null);
    }
    int colon = value.indexOf(':');
    String kind = colon < 0 ? "" : value.substring(0, colon);
    String id = colon < 0 ? "" : value.substring(colon + 1);
    for (Subject.Kind candidate : Subject.Kind.values()) {
      if (candidate.wireName().equals(kind) && !id.isEmpty()) {
        return new SubjectName(candidate, id);
      }
    }
    throw new InvalidRequestException(
        "subject must be key:ID, workspace:ID or virtual_key:WORKSPACE/SLUG.", "subject", null);
  }

  private static Map<String, String> credentials(JsonNode node) {
    if (node == null || node.isNull()) {
      throw new InvalidRequestException("credentials is required.", "credentials", null);
    }
    if (!node.isObject() || node.isEmpty()) {
      throw new InvalidRequestException(
          "credentials must be an object of names to values, e.g. {\"api_key\": \"…\"}.",
          "credentials",
          null);
    }
    Map<String, String> credentials = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getValue().isTextual()) {
        // The name only: the value may be a secret.
        throw new InvalidRequestException(
            "credentials." + field.getKey() + " must be a string.",
            "credentials." + field.getKey(),
            null);
      }
      credentials.put(field.getKey(), field.getValue().asText());
    }
    return credentials;
  }

  private static KeyScopes scopes(JsonNode node) {
    try {
      return node == null || node.isNull() ? null : AccessJson.scopes(node);
    } catch (AccessJson.InvalidField invalid) {
      throw invalid(invalid);
    }
  }

  private static Limits limits(JsonNode node) {
    try {
      return node == null || node.isNull() ? null : AccessJson.limits(node);
    } catch (AccessJson.InvalidField invalid) {
      throw invalid(invalid);
    }
  }

  private static InvalidRequestException invalid(AccessJson.InvalidField invalid) {
    return new InvalidRequestException(invalid.getMessage(), invalid.field(), null);
  }

  private static String text(JsonNode object, String field) {
    JsonNode node = object.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new InvalidRequestException(field + " must be a string.", field, null);
    }
    return node.asText();
  }

  private static String requiredText(JsonNode object, String field) {
    String value = text(object, field);
    if (value == null || value.isBlank()) {
      throw new InvalidRequestException(field + " is required.", field, null);
    }
    return value;
  }

  private static Instant instant(JsonNode object, String field) {
    String value = text(object, field);
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException bad) {
      throw new InvalidRequestException(
          field + " must be an ISO-8601 instant such as 2027-01-31T00:00:00Z.", field, null);
    }
  }

  /** Checks that {@code node} is an object with no field but {@code allowed}. */
  /** A body ({@code where} {@code null}) or a part of one with only the {@code allowed} fields. */
  private static void object(JsonNode node, String where, String... allowed) {
    try {
      AccessJson.fields(node, where, allowed);
    } catch (AccessJson.InvalidField invalid) {
      throw invalid(invalid);
    }
  }

  // ---- writing ----

  static ObjectNode workspace(AccessAdmin.Workspace workspace) {
    ObjectNode json = NODES.objectNode();
    json.put("id", workspace.id());
    json.put("name", workspace.name());
    json.set("limits", limits(workspace.limits()));
    putInstant(json, "created_at", workspace.createdAt());
    if (workspace.customHosts() == null) {
      json.putNull("custom_hosts");
    } else {
      workspace.customHosts().forEach(json.putArray("custom_hosts")::add);
    }
    return json;
  }

  static ObjectNode key(AccessAdmin.KeyInfo key) {
    ObjectNode json = NODES.objectNode();
    json.put("id", key.id());
    json.put("workspace", key.workspace());
    json.put("name", key.name());
    json.put("display_prefix", key.displayPrefix());
    json.set("scopes", scopes(key.scopes()));
    json.set("limits", limits(key.limits()));
    putInstant(json, "created_at", key.createdAt());
    putInstant(json, "expires_at", key.expiresAt());
    putInstant(json, "revoked_at", key.revokedAt());
    json.put("created_by", key.createdBy());
    return json;
  }

  /** A key just created or rotated: its info and, this once, its secret as {@code key}. */
  static ObjectNode createdKey(AccessAdmin.CreatedKey created) {
    ObjectNode json = NODES.objectNode();
    json.put("id", created.key().id());
    json.put("key", created.secret());
    key(created.key())
        .properties()
        .forEach(field -> json.putIfAbsent(field.getKey(), field.getValue()));
    return json;
  }

  static ObjectNode virtualKey(AccessAdmin.VirtualKeyInfo key) {
    ObjectNode json = NODES.objectNode();
    json.put("workspace", key.workspace());
    json.put("slug", key.slug());
    json.put("provider", key.provider());
    json.set(
        "credential_names",
        key.credentialNames() == null
            ? NODES.nullNode()
            : strings(new TreeSet<>(key.credentialNames())));
    json.set("limits", limits(key.limits()));
    putInstant(json, "created_at", key.createdAt());
    putInstant(json, "rotated_at", key.rotatedAt());
    putInstant(json, "revoked_at", key.revokedAt());
    return json;
  }

  static ObjectNode usage(AccessAdmin.UsageReport report) {
    ObjectNode json = NODES.objectNode();
    ObjectNode subject = json.putObject("subject");
    subject.put("kind", report.subject().kind().wireName());
    subject.put("id", report.subject().id());
    subject.set("limits", limits(report.subject().limits()));
    Limiter.Usage usage = report.usage();
    ObjectNode used = json.putObject("usage");
    used.put("requests_this_minute", usage.requestsThisMinute());
    used.put("tokens_this_minute", usage.tokensThisMinute());
    putInstant(used, "period_start", usage.periodStart());
    putMoney(used, "spent_usd", usage.spentUsd());
    used.put("spent_tokens", usage.spentTokens());
    putMoney(used, "reserved_usd", usage.reservedUsd());
    used.put("reserved_tokens", usage.reservedTokens());
    return json;
  }

  /** OpenAI's list shape: {@code {"object":"list","data":[...]}}. */
  static <T> ObjectNode list(Collection<T> items, java.util.function.Function<T, ObjectNode> each) {
    ObjectNode json = NODES.objectNode();
    json.put("object", "list");
    ArrayNode data = json.putArray("data");
    items.forEach(item -> data.add(each.apply(item)));
    return json;
  }

  static ObjectNode scopes(KeyScopes scopes) {
    return scopes == null ? null : AccessJson.scopes(scopes);
  }

  static ObjectNode limits(Limits limits) {
    return AccessJson.limits(limits == null ? Limits.NONE : limits);
  }

  private static ArrayNode strings(Collection<String> values) {
    ArrayNode array = NODES.arrayNode();
    values.forEach(array::add);
    return array;
  }

  private static void putMoney(ObjectNode json, String field, BigDecimal value) {
    if (value == null) {
      json.putNull(field);
    } else {
      json.put(field, value.toPlainString());
    }
  }

  private static void putInstant(ObjectNode json, String field, Instant value) {
    if (value == null) {
      json.putNull(field);
    } else {
      json.put(field, value.toString());
    }
  }
}
