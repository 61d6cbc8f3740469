package dev.switchboard.server;

import dev.switchboard.access.Permission;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every route the gateway serves, in one place: its methods, its path pattern, what a caller needs
 * to reach it, and the handler that serves it. The server decides by this table alone: a request is
 * matched here first (strictly: case-sensitive, one path per route), and the {@link RouteGate}
 * hands it to its route's handler, so a route the table does not list cannot be served. {@link
 * SwitchboardServer#routes()} lists them at runtime.
 *
 * <p>Path patterns: literal segments, {@code {name}} for exactly one non-empty segment, and a last
 * {@code /**} for the prefix itself or anything under it. One trailing {@code /} is ignored (the
 * same route by design). Routes are tried in this order; a path that a specific route matches but
 * whose method it does not take is a 405, never the pass-through.
 */
public enum Route {
  /** Also HEAD, as Portkey answers it: load balancers probe with HEAD. */
  ROOT("GET,HEAD", "/", Surface.PUBLIC, null, gateway(GatewayHandler::root)),
  HEALTH("GET,HEAD", "/v1/health", Surface.PUBLIC, null, gateway(GatewayHandler::health)),
  /** Readiness: 503 while a store the gateway cannot serve without is away. */
  READY("GET,HEAD", "/v1/health/ready", Surface.PUBLIC, null, gateway(GatewayHandler::ready)),
  CHAT_COMPLETIONS(
      "POST",
      "/v1/chat/completions",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      gateway(GatewayHandler::chatCompletions)),
  /**
   * OpenAI's list of stored chat completions ({@code GET}), and a {@code DELETE} of the route,
   * passed through as Portkey passes them: the provider answers for its own API (the other methods
   * of the chat route are 405).
   */
  STORED_CHAT_COMPLETIONS(
      "GET,DELETE",
      "/v1/chat/completions",
      Surface.GATEWAY,
      Permission.PASSTHROUGH,
      gateway(GatewayHandler::storedChatCompletions)),
  COMPLETIONS(
      "POST",
      "/v1/completions",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      gateway(GatewayHandler::completions)),
  EMBEDDINGS(
      "POST",
      "/v1/embeddings",
      Surface.GATEWAY,
      Permission.EMBEDDINGS,
      gateway(GatewayHandler::embeddings)),
  MODELS("GET", "/v1/models", Surface.GATEWAY, Permission.MODELS, gateway(GatewayHandler::models)),
  MESSAGES(
      "POST",
      "/v1/messages",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      gateway(GatewayHandler::messages)),
  COUNT_TOKENS(
      "POST",
      "/v1/messages/count_tokens",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      gateway(GatewayHandler::countTokens)),
  /** OpenAI's Responses API: native for OpenAI and Azure OpenAI, over chat for the others. */
  RESPONSES(
      "POST",
      "/v1/responses",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      gateway(GatewayHandler::responses)),
  /**
   * A stored response (conversation state, {@code switchboard-state}); its permission, that of
   * {@code POST /v1/responses}, is checked by its handler: it does not reach the engine.
   */
  RESPONSE(
      "GET",
      "/v1/responses/{id}",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      responses(ResponsesRoutes::retrieve)),
  RESPONSE_DELETE(
      "DELETE",
      "/v1/responses/{id}",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      responses(ResponsesRoutes::delete)),
  RESPONSE_INPUT_ITEMS(
      "GET",
      "/v1/responses/{id}/input_items",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      responses(ResponsesRoutes::inputItems)),
  RESPONSE_CANCEL(
      "POST",
      "/v1/responses/{id}/cancel",
      Surface.GATEWAY,
      Permission.COMPLETIONS,
      responses(ResponsesRoutes::cancel)),
  /**
   * A saved prompt rendered into its chat request; its permission is checked by the {@link
   * RouteGate}: rendering does not reach the engine.
   */
  PROMPT_RENDER(
      "POST",
      "/v1/prompts/{id}/render",
      Surface.GATEWAY,
      Permission.PROMPTS,
      gateway(GatewayHandler::renderPrompt)),
  /**
   * A saved prompt rendered and called as a chat completion, through the whole pipeline: the {@link
   * RouteGate} checks {@code prompts}, the engine {@code completions}.
   */
  PROMPT_COMPLETIONS(
      "POST",
      "/v1/prompts/{id}/completions",
      Surface.GATEWAY,
      Permission.PROMPTS,
      gateway(GatewayHandler::promptCompletions)),
  /**
   * The MCP gateway's aggregated endpoint (Streamable HTTP): every upstream server's tools as
   * {@code <server>__<tool>}. The caller's gateway key is checked by {@link McpRoutes}, its MCP
   * scope by the MCP gateway.
   */
  MCP("GET,POST,DELETE", "/mcp", Surface.GATEWAY, Permission.MCP, mcp()),
  /** One upstream MCP server's endpoint, its tools under their own names. */
  MCP_SERVER("GET,POST,DELETE", "/mcp/{server}", Surface.GATEWAY, Permission.MCP, mcp()),
  /**
   * Starts a caller's OAuth authorization of a per-user upstream MCP server: a redirect to its
   * authorization server. Public: a browser follows the link a tool call gave, its one-time ticket
   * naming the caller (or a gateway key does).
   */
  MCP_OAUTH_AUTHORIZE(
      "GET",
      "/v1/mcp/oauth/{server}/authorize",
      Surface.PUBLIC,
      null,
      (on, match, request, response, callback) ->
          on.mcp().authorize(match, request, response, callback)),
  /** Where the authorization server sends the user back (its {@code state} names the caller). */
  MCP_OAUTH_CALLBACK(
      "GET",
      "/v1/mcp/oauth/callback",
      Surface.PUBLIC,
      null,
      (on, match, request, response, callback) ->
          on.mcp().oauthCallback(match, request, response, callback)),
  /** A gateway key forgets its own token for a per-user upstream MCP server. */
  MCP_OAUTH_REVOKE(
      "DELETE",
      "/v1/mcp/oauth/{server}",
      Surface.GATEWAY,
      Permission.MCP,
      (on, match, request, response, callback) ->
          on.mcp().revokeAuthorization(match, request, response, callback)),
  /** Its permission is checked by the {@link RouteGate}: feedback does not reach the engine. */
  FEEDBACK(
      "POST",
      "/v1/feedback",
      Surface.GATEWAY,
      Permission.FEEDBACK,
      requestLog(LogsRoutes::saveFeedback)),
  LOGS("GET", "/v1/logs", Surface.OPERATOR, null, requestLog(LogsRoutes::search)),
  LOGS_EXPORT("GET", "/v1/logs/export", Surface.OPERATOR, null, requestLog(LogsRoutes::export)),
  LOGS_TAIL("GET", "/v1/logs/tail", Surface.OPERATOR, null, liveTail(LogsRoutes::tail)),
  LOG("GET", "/v1/logs/{id}", Surface.OPERATOR, null, requestLog(LogsRoutes::find)),
  ANALYTICS("GET", "/v1/analytics", Surface.OPERATOR, null, requestLog(LogsRoutes::analytics)),
  /** Shadow traffic's state and counters (configs' {@code shadow}). */
  SHADOWS("GET", "/v1/shadows", Surface.OPERATOR, null, gateway(GatewayHandler::shadows)),
  /** The kill switch of shadow traffic: no shadow starts, and those in flight are stopped. */
  SHADOWS_STOP(
      "POST", "/v1/shadows/stop", Surface.OPERATOR, null, gateway(GatewayHandler::stopShadows)),
  /** Lets shadows start again. */
  SHADOWS_START(
      "POST", "/v1/shadows/start", Surface.OPERATOR, null, gateway(GatewayHandler::startShadows)),
  METRICS(
      "GET,HEAD",
      "/metrics",
      Surface.OPERATOR,
      null,
      (on, match, request, response, callback) ->
          on.metrics().serve(match, request, response, callback)),
  DASHBOARD(
      "GET,HEAD",
      "/dashboard/**",
      Surface.OPERATOR,
      null,
      (on, match, request, response, callback) ->
          on.dashboard().serve(match, request, response, callback)),
  ADMIN_WORKSPACES_CREATE(
      "POST",
      "/v1/admin/workspaces",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::createWorkspace)),
  ADMIN_WORKSPACES_LIST(
      "GET", "/v1/admin/workspaces", Surface.ADMIN_API, null, admin(AdminApiHandler::workspaces)),
  ADMIN_WORKSPACE_UPDATE(
      "PATCH",
      "/v1/admin/workspaces/{id}",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::updateWorkspace)),
  ADMIN_KEYS_CREATE(
      "POST",
      "/v1/admin/keys",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      adminReadingBody(AdminApiHandler::createKey)),
  ADMIN_KEYS_LIST(
      "GET",
      "/v1/admin/keys",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      admin(AdminApiHandler::keys)),
  ADMIN_KEY_GET(
      "GET",
      "/v1/admin/keys/{id}",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      admin(AdminApiHandler::key)),
  ADMIN_KEY_UPDATE(
      "PATCH",
      "/v1/admin/keys/{id}",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      adminReadingBody(AdminApiHandler::updateKey)),
  ADMIN_KEY_REVOKE(
      "DELETE",
      "/v1/admin/keys/{id}",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      admin(AdminApiHandler::revokeKey)),
  ADMIN_KEY_ROTATE(
      "POST",
      "/v1/admin/keys/{id}/rotate",
      Surface.ADMIN_API,
      Permission.KEYS_MANAGE,
      admin(AdminApiHandler::rotateKey)),
  ADMIN_VIRTUAL_KEYS_REENCRYPT(
      "POST",
      "/v1/admin/virtual-keys/reencrypt",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::reencryptVirtualKeys)),
  ADMIN_VIRTUAL_KEYS_CREATE(
      "POST",
      "/v1/admin/virtual-keys",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      adminReadingBody(AdminApiHandler::createVirtualKey)),
  ADMIN_VIRTUAL_KEYS_LIST(
      "GET",
      "/v1/admin/virtual-keys",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      admin(AdminApiHandler::virtualKeys)),
  ADMIN_VIRTUAL_KEY_GET(
      "GET",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      admin(AdminApiHandler::virtualKey)),
  ADMIN_VIRTUAL_KEY_UPDATE(
      "PATCH",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      adminReadingBody(AdminApiHandler::updateVirtualKey)),
  ADMIN_VIRTUAL_KEY_REVOKE(
      "DELETE",
      "/v1/admin/virtual-keys/{workspace}/{slug}",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      admin(AdminApiHandler::revokeVirtualKey)),
  ADMIN_VIRTUAL_KEY_ROTATE(
      "POST",
      "/v1/admin/virtual-keys/{workspace}/{slug}/rotate",
      Surface.ADMIN_API,
      Permission.VIRTUAL_KEYS_MANAGE,
      adminReadingBody(AdminApiHandler::rotateVirtualKey)),
  ADMIN_PROMPTS_CREATE(
      "POST",
      "/v1/admin/prompts",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::createPrompt)),
  ADMIN_PROMPTS_LIST(
      "GET", "/v1/admin/prompts", Surface.ADMIN_API, null, admin(AdminApiHandler::prompts)),
  ADMIN_PROMPT_GET(
      "GET", "/v1/admin/prompts/{id}", Surface.ADMIN_API, null, admin(AdminApiHandler::prompt)),
  ADMIN_PROMPT_VERSIONS_ADD(
      "POST",
      "/v1/admin/prompts/{id}/versions",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::addPromptVersion)),
  ADMIN_PROMPT_VERSION_GET(
      "GET",
      "/v1/admin/prompts/{id}/versions/{version}",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::promptVersion)),
  ADMIN_PROMPT_LABEL(
      "PUT",
      "/v1/admin/prompts/{id}/labels/{label}",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::movePromptLabel)),
  ADMIN_PROMPT_ROLLBACK(
      "POST",
      "/v1/admin/prompts/{id}/rollback",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::rollbackPrompt)),
  ADMIN_PROMPT_HISTORY(
      "GET",
      "/v1/admin/prompts/{id}/history",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::promptHistory)),
  ADMIN_CONFIGS_CREATE(
      "POST",
      "/v1/admin/configs",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::createConfig)),
  ADMIN_CONFIGS_LIST(
      "GET", "/v1/admin/configs", Surface.ADMIN_API, null, admin(AdminApiHandler::configs)),
  ADMIN_CONFIG_GET(
      "GET", "/v1/admin/configs/{id}", Surface.ADMIN_API, null, admin(AdminApiHandler::config)),
  ADMIN_CONFIG_DELETE(
      "DELETE",
      "/v1/admin/configs/{id}",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::deleteConfig)),
  ADMIN_CONFIG_VERSIONS_ADD(
      "POST",
      "/v1/admin/configs/{id}/versions",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::addConfigVersion)),
  ADMIN_CONFIG_VERSION_GET(
      "GET",
      "/v1/admin/configs/{id}/versions/{version}",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::configVersion)),
  ADMIN_CONFIG_ROLLBACK(
      "POST",
      "/v1/admin/configs/{id}/rollback",
      Surface.ADMIN_API,
      null,
      adminReadingBody(AdminApiHandler::rollbackConfig)),
  ADMIN_CONFIG_HISTORY(
      "GET",
      "/v1/admin/configs/{id}/history",
      Surface.ADMIN_API,
      null,
      admin(AdminApiHandler::configHistory)),
  ADMIN_MCP_SERVERS(
      "GET",
      "/v1/admin/mcp/servers",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::servers, false, match, request, response, callback)),
  ADMIN_MCP_SERVERS_DECLARE(
      "POST",
      "/v1/admin/mcp/servers",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::declare, true, match, request, response, callback)),
  ADMIN_MCP_SERVER(
      "GET",
      "/v1/admin/mcp/servers/{name}",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::server, false, match, request, response, callback)),
  ADMIN_MCP_SERVER_REDECLARE(
      "PUT",
      "/v1/admin/mcp/servers/{name}",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::redeclare, true, match, request, response, callback)),
  ADMIN_MCP_SERVER_UNDECLARE(
      "DELETE",
      "/v1/admin/mcp/servers/{name}",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::undeclare, false, match, request, response, callback)),
  ADMIN_MCP_TOOLS(
      "GET",
      "/v1/admin/mcp/tools",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::tools, false, match, request, response, callback)),
  ADMIN_MCP_TOOL_APPROVE(
      "POST",
      "/v1/admin/mcp/tools/{server}/{tool}/approve",
      Surface.ADMIN_API,
      null,
      (on, match, request, response, callback) ->
          on.admin().handle(on.mcp()::approve, false, match, request, response, callback)),
  ADMIN_USAGE(
      "GET",
      "/v1/admin/usage",
      Surface.ADMIN_API,
      Permission.USAGE_READ,
      admin(AdminApiHandler::usage)),
  /** Portkey's explicit pass-through prefix: the rest of the path goes to the provider. */
  PROXY(
      "*",
      "/v1/proxy/**",
      Surface.GATEWAY,
      Permission.PASSTHROUGH,
      gateway(GatewayHandler::passThroughRest)),
  /** Any other {@code /v1/*} path, passed through to the provider as it is. */
  PASS_THROUGH(
      "*",
      "/v1/**",
      Surface.GATEWAY,
      Permission.PASSTHROUGH,
      gateway(GatewayHandler::passThroughRest));

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

  /** The routes in matching order, less the pass-through's two catch-alls, tried last. */
  private static final Route[] SPECIFIC =
      Arrays.stream(values()).filter(route -> !route.passesThrough()).toArray(Route[]::new);

  private static final Route[] CATCH_ALLS = {PROXY, PASS_THROUGH};

  private final Set<String> methods;
  private final String path;
  private final Surface surface;
  private final Permission permission;
  private final String[] segments;
  private final RouteHandler handler;

  Route(String methods, String path, Surface surface, Permission permission, RouteHandler handler) {
    this.methods =
        java.util.Collections.unmodifiableSet(
            new java.util.LinkedHashSet<>(List.of(methods.split(","))));
    this.path = path;
    this.surface = surface;
    this.permission = permission;
    this.segments = path.equals("/") ? new String[0] : path.substring(1).split("/");
    this.handler = handler;
  }

  /**
   * A route of the gateway's own, served by {@code endpoint}, a method of {@link GatewayHandler}
   * (which gives every such request its trace id, its access line and its error answers).
   */
  private static RouteHandler gateway(GatewayHandler.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.gateway().handle(endpoint, match, request, response, callback);
  }

  /** A route of the MCP gateway. */
  private static RouteHandler mcp() {
    return (on, match, request, response, callback) ->
        on.mcp().serve(match, request, response, callback);
  }

  /** A route of the stored responses, served by {@code endpoint} for an authorized caller. */
  private static RouteHandler responses(ResponsesRoutes.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.responses().handle(endpoint, match, request, response, callback);
  }

  /** A route of the request log, served by {@code endpoint}: 404 while the log is off. */
  private static RouteHandler requestLog(LogsRoutes.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.logs().handle(endpoint, true, match, request, response, callback);
  }

  /** A route of the live tail, served by {@code endpoint}, whether the request log is on or off. */
  private static RouteHandler liveTail(LogsRoutes.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.logs().handle(endpoint, false, match, request, response, callback);
  }

  /**
   * A route of the admin API that reads no body (one sent is read and dropped first), served by
   * {@code endpoint}.
   */
  private static RouteHandler admin(AdminApiHandler.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.admin().handle(endpoint, false, match, request, response, callback);
  }

  /** A route of the admin API that reads a JSON object, served by {@code endpoint}. */
  private static RouteHandler adminReadingBody(AdminApiHandler.Endpoint endpoint) {
    return (on, match, request, response, callback) ->
        on.admin().handle(endpoint, true, match, request, response, callback);
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

  /** What serves it. */
  RouteHandler handler() {
    return handler;
  }

  /**
   * Whether it is one of the admin API's routes of saved prompts or configs, served with access off
   * too.
   */
  boolean managesDocuments() {
    return path.startsWith("/v1/admin/prompts") || path.startsWith("/v1/admin/configs");
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
    Set<String> allowed = null; // made only for a 405: the common request does without
    for (Route route : SPECIFIC) {
      Match match = route.matchPath(normalised, parts, false);
      if (match != null) {
        if (route.takes(method)) {
          return new Lookup(match, null);
        }
        if (allowed == null) {
          allowed = new java.util.LinkedHashSet<>();
        }
        allowed.addAll(route.methods);
      }
    }
    if (allowed != null) {
      return new Lookup(null, Miss.METHOD_NOT_ALLOWED, allowed);
    }
    for (Route route : SPECIFIC) {
      if (route.matchPath(normalised, parts, true) != null) {
        return new Lookup(null, Miss.NOT_FOUND); // another case of a gateway route
      }
    }
    if (adminApiSpace(normalised)) {
      return new Lookup(null, Miss.NOT_FOUND); // the admin API's space is never passed through
    }
    for (Route route : CATCH_ALLS) {
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
    Map<String, String> parameters = null; // made only for a path with {name} segments
    for (int i = 0; i < fixed; i++) {
      String segment = segments[i];
      if (segment.startsWith("{")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        if (parameters == null) {
          parameters = new LinkedHashMap<>();
        }
        parameters.put(segment.substring(1, segment.length() - 1), parts[i]);
      } else if (ignoreCase ? !segment.equalsIgnoreCase(parts[i]) : !segment.equals(parts[i])) {
        return null;
      }
    }
    String rest = wildcard ? String.join("/", Arrays.copyOfRange(parts, fixed, parts.length)) : "";
    return new Match(
        this,
        path,
        parameters == null ? Map.of() : Map.copyOf(parameters),
        rest.isEmpty() ? "" : "/" + rest);
  }
}
