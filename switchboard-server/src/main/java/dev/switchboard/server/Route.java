package dev.switchboard.server;

import dev.switchboard.access.Permission;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every route the gateway serves, in one place: its methods, its path pattern and what a caller
 * needs to reach it. The server decides by this table alone: a request is matched here first
 * (strictly: case-sensitive, one path per route), and each handler serves only the routes it is
 * handed, so a route the table does not list cannot be served. {@link SwitchboardServer#routes()}
 * lists them at runtime.
 *
 * <p>Path patterns: literal segments, {@code {name}} for exactly one non-empty segment, and a last
 * {@code /**} for the prefix itself or anything under it. One trailing {@code /} is ignored (the
 * same route by design). Routes are tried in this order; a path that a specific route matches but
 * whose method it does not take is a 405, never the pass-through.
 */
public enum Route {
  /** Also HEAD, as Portkey answers it: load balancers probe with HEAD. */
  ROOT("GET,HEAD", "/", Surface.PUBLIC, null),
  HEALTH("GET,HEAD", "/v1/health", Surface.PUBLIC, null),
  CHAT_COMPLETIONS("POST", "/v1/chat/completions", Surface.GATEWAY, Permission.COMPLETIONS),
  /**
   * OpenAI's list of stored chat completions, passed through as Portkey passes it (the other
   * methods of the chat route are 405).
   */
  STORED_CHAT_COMPLETIONS("GET", "/v1/chat/completions", Surface.GATEWAY, Permission.PASSTHROUGH),
  COMPLETIONS("POST", "/v1/completions", Surface.GATEWAY, Permission.COMPLETIONS),
  EMBEDDINGS("POST", "/v1/embeddings", Surface.GATEWAY, Permission.EMBEDDINGS),
  MODELS("GET", "/v1/models", Surface.GATEWAY, Permission.MODELS),
  MESSAGES("POST", "/v1/messages", Surface.GATEWAY, Permission.COMPLETIONS),
  COUNT_TOKENS("POST", "/v1/messages/count_tokens", Surface.GATEWAY, Permission.COMPLETIONS),
  FEEDBACK("POST", "/v1/feedback", Surface.GATEWAY, Permission.FEEDBACK),
  LOGS("GET", "/v1/logs", Surface.OPERATOR, null),
  LOGS_EXPORT("GET", "/v1/logs/export", Surface.OPERATOR, null),
  LOGS_TAIL("GET", "/v1/logs/tail", Surface.OPERATOR, null),
  LOG("GET", "/v1/logs/{id}", Surface.OPERATOR, null),
  ANALYTICS("GET", "/v1/analytics", Surface.OPERATOR, null),
  METRICS("GET,HEAD", "/metrics", Surface.OPERATOR, null),
  DASHBOARD("GET,HEAD", "/dashboard/**", Surface.OPERATOR, null),
  ADMIN_WORKSPACES_CREATE("POST", "/v1/admin/workspaces", Surface.ADMIN_API, null),
  ADMIN_WORKSPACES_LIST("GET", "/v1/admin/workspaces", Surface.ADMIN_API, null),
  ADMIN_WORKSPACE_UPDATE("PATCH", "/v1/admin/workspaces/{id}", Surface.ADMIN_API, null),
  ADMIN_KEYS_CREATE("POST", "/v1/admin/keys", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_KEYS_LIST("GET", "/v1/admin/keys", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_KEY_GET("GET", "/v1/admin/keys/{id}", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_KEY_UPDATE("PATCH", "/v1/admin/keys/{id}", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_KEY_REVOKE("DELETE", "/v1/admin/keys/{id}", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_KEY_ROTATE("POST", "/v1/admin/keys/{id}/rotate", Surface.ADMIN_API, Permission.KEYS_MANAGE),
  ADMIN_VIRTUAL_KEYS_REENCRYPT("POST", "/v1/admin/virtual-keys/reencrypt", Surface.ADMIN_API, null),
  ADMIN_VIRTUAL_KEYS_CREATE(
      "POST", "/v1/admin/virtual-keys", Surface.ADMIN_API, Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_VIRTUAL_KEYS_LIST(
      "GET", "/v1/admin/virtual-keys", Surface.ADMIN_API, Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_VIRTUAL_KEY_GET(
      "GET",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_VIRTUAL_KEY_UPDATE(
      "PATCH",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_VIRTUAL_KEY_REVOKE(
      "DELETE",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_VIRTUAL_KEY_ROTATE(
      "POST",
      "/v1/admin/virtual-keys/{workspace}/{slug}/rotate",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE),
  ADMIN_USAGE("GET", "/v1/admin/usage", Surface.ADMIN_API, Permission.USAGE_READ),
  /** Portkey's explicit pass-through prefix: the rest of the path goes to the provider. */
  PROXY("*", "/v1/proxy/**", Surface.GATEWAY, Permission.PASSTHROUGH),
  /** Any other {@code /v1/*} path, passed through to the provider as it is. */
  PASS_THROUGH("*", "/v1/**", Surface.GATEWAY, Permission.PASSTHROUGH);

  /** What a caller needs to reach a route, and on which port it listens. */
  public enum Surface {
    /** Nothing: anyone who can reach the gateway ({@code /}, {@code /v1/health}). */
    PUBLIC,
    /**
     * A gateway key holding the route's {@link #permission()}; no key at all where keys are not
     * required ({@code access.require-keys=false}), as an anonymous caller. On the main port.
     */
    GATEWAY,
    /**
     * The admin token, when one is set (the request logs, analytics, dashboard and metrics show
     * every caller's requests). On the admin port when {@code admin.port} is set.
     */
    OPERATOR,
    /**
     * The admin API: off (404) unless an admin token is set; then the admin token, or a gateway key
     * holding the route's {@link #permission()} ({@code null}: the admin token only). On the admin
     * port when {@code admin.port} is set.
     */
    ADMIN_API
  }

  private final Set<String> methods;
  private final String path;
  private final Surface surface;
  private final Permission permission;
  private final String[] segments;

  Route(String methods, String path, Surface surface, Permission permission) {
    this.methods =
        java.util.Collections.unmodifiableSet(
            new java.util.LinkedHashSet<>(List.of(methods.split(","))));
    this.path = path;
    this.surface = surface;
    this.permission = permission;
    this.segments = path.equals("/") ? new String[0] : path.substring(1).split("/");
  }

  /** The HTTP methods it takes; {@code *} for any. */
  public Set<String> methods() {
    return methods;
  }

  /** Its path pattern, e.g. {@code /v1/admin/keys/{id}}. */
  public String path() {
    return path;
  }

  /** What a caller needs, and where it listens. */
  public Surface surface() {
    return surface;
  }

  /**
   * The permission a gateway key needs ({@link Surface#GATEWAY}, {@link Surface#ADMIN_API}), or
   * {@code null}: none ({@link Surface#PUBLIC}) or the admin token only.
   */
  public Permission permission() {
    return permission;
  }

  /** Whether it is a catch-all ({@code /**}) of the pass-through. */
  public boolean passesThrough() {
    return this == PROXY || this == PASS_THROUGH;
  }

  /**
   * A concrete path this route serves: each {@code {name}} as {@code sample-name}, a {@code /**} as
   * {@code /sample} (the dashboard's as its page).
   */
  public String samplePath() {
    if (this == DASHBOARD) {
      return "/dashboard/";
    }
    return path.replace("/**", "/sample").replaceAll("\\{([a-z]+)}", "sample-$1");
  }

  /** Whether it listens on the admin port, when one is set. */
  boolean onAdminPort() {
    return surface == Surface.OPERATOR || surface == Surface.ADMIN_API;
  }

  /** The routes, in matching order. */
  static List<Route> all() {
    return List.of(values());
  }

  /**
   * A route matched: which, the path as matched (one trailing {@code /} removed), the values of its
   * {@code {name}} segments, and for a {@code /**} route what came after its prefix ({@code ""} for
   * the prefix itself).
   */
  record Match(Route route, String path, Map<String, String> parameters, String rest) {
    String parameter(String name) {
      return parameters.get(name);
    }
  }

  /** Why a request matched no route. */
  enum Miss {
    NOT_FOUND,
    METHOD_NOT_ALLOWED
  }

  /**
   * The outcome of matching: a route, or a miss; for {@link Miss#METHOD_NOT_ALLOWED}, the methods
   * the path takes.
   */
  record Lookup(Match match, Miss miss, Set<String> allowed) {
    Lookup(Match match, Miss miss) {
      this(match, miss, Set.of());
    }
  }

  /**
   * The route serving {@code method} on {@code path} (decoded, already checked by {@link
   * StrictPath}). A path that only a different case of a route's path would match is not found: it
   * is neither that route nor passed through.
   */
  static Lookup match(String method, String path) {
    String normalised =
        path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String[] parts = normalised.equals("/") ? new String[0] : normalised.substring(1).split("/");
    Set<String> allowed = new java.util.LinkedHashSet<>();
    for (Route route : values()) {
      if (route.passesThrough()) {
        continue;
      }
      Match match = route.matchPath(normalised, parts, false);
      if (match != null) {
        if (route.takes(method)) {
          return new Lookup(match, null);
        }
        allowed.addAll(route.methods);
      }
    }
    if (!allowed.isEmpty()) {
      return new Lookup(null, Miss.METHOD_NOT_ALLOWED, allowed);
    }
    for (Route route : values()) {
      if (!route.passesThrough() && route.matchPath(normalised, parts, true) != null) {
        return new Lookup(null, Miss.NOT_FOUND); // another case of a gateway route
      }
    }
    if (adminApiSpace(normalised)) {
      return new Lookup(null, Miss.NOT_FOUND); // the admin API's space is never passed through
    }
    for (Route route : List.of(PROXY, PASS_THROUGH)) {
      Match match = route.matchPath(normalised, parts, false);
      if (match != null) {
        return new Lookup(match, null);
      }
    }
    return new Lookup(null, Miss.NOT_FOUND);
  }

  /** Whether {@code path} is in the admin API's space, in any case. */
  static boolean adminApiSpace(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    return lower.equals("/v1/admin") || lower.startsWith("/v1/admin/");
  }

  private boolean takes(String method) {
    return methods.contains("*") || methods.contains(method);
  }

  private Match matchPath(String path, String[] parts, boolean ignoreCase) {
    boolean wildcard = segments.length > 0 && segments[segments.length - 1].equals("**");
    int fixed = wildcard ? segments.length - 1 : segments.length;
    if (wildcard ? parts.length < fixed : parts.length != fixed) {
      return null;
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    for (int i = 0; i < fixed; i++) {
      String segment = segments[i];
      if (segment.startsWith("{")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        parameters.put(segment.substring(1, segment.length() - 1), parts[i]);
      } else if (ignoreCase ? !segment.equalsIgnoreCase(parts[i]) : !segment.equals(parts[i])) {
        return null;
      }
    }
    String rest = wildcard ? String.join("/", Arrays.copyOfRange(parts, fixed, parts.length)) : "";
    return new Match(this, path, Map.copyOf(parameters), rest.isEmpty() ? "" : "/" + rest);
  }
}
