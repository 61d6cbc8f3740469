package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.Access;
import dev.switchboard.access.McpCallLimits;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.mcp.McpCaller;
import dev.switchboard.mcp.McpGateway;
import dev.switchboard.mcp.ToolPins;
import dev.switchboard.state.mcpservers.SavedMcpServers;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BiConsumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The MCP gateway's routes: {@code /mcp} and {@code /mcp/{server}} (Streamable HTTP, served by
 * {@link McpGateway}'s transport once the caller is authenticated: a gateway key where keys are
 * required, its MCP scope handed on as the request's {@link McpCaller}), and the admin API's
 * upstream servers (listed, and declared, changed and removed: Streamable HTTP servers only, kept
 * in {@link SavedMcpServers} for every gateway sharing the store) and tool pins.
 */
final class McpRoutes {
  private final McpOnDemand mcp;
  private final Access access;
  private final SavedMcpServers declared;

  McpRoutes(McpOnDemand mcp, Access access, SavedMcpServers declared) {
    this.mcp = mcp;
    this.access = access;
    this.declared = declared;
  }

  /**
   * What a server declared through the admin API must be before it is stored: not a settings file
   * server's name (409), a Streamable HTTP server (a stdio server is a 400: only the settings file
   * names a command), its URL allowed by {@code guard} as a provider's custom host is (400).
   */
  static BiConsumer<String, JsonNode> declarationCheck(McpGateway mcp, OutboundGuard guard) {
    return (name, declaration) -> {
      if (mcp.declaredInSettings(name)) {
        throw inSettings(name);
      }
      mcp.checkDeclaration(name, declaration, guard);
    };
  }

  private static AdminException inSettings(String name) {
    return AdminException.conflict(
        "The MCP server '"
            + name
            + "' is declared in the settings file: change it there, or declare another name.");
  }

  /**
   * The Jetty handler the SDK's servlets live in (the gateway made on first use): started and
   * stopped with the route gate.
   */
  Handler handler() {
    return mcp;
  }

  /**
   * {@code /mcp} and {@code /mcp/{server}}: the caller first (401 without a valid key where keys
   * are required, 403 for a key without {@code mcp}), then an unknown server is a 404.
   */
  void serve(Route.Match match, Request request, Response response, Callback callback)
      throws Exception {
    Principal caller;
    try {
      caller = access.authenticate(PortkeyHeaders.gatewayKey(request.getHeaders()));
      if (!caller.scopes().permissions().contains(Permission.MCP)) {
        throw AccessDeniedException.forbidden(
            "This gateway key may not use the MCP gateway (it lacks 'mcp').");
      }
    } catch (AccessDeniedException denied) {
      RouteGate.closeIfBodyUnread(request, response);
      LogsRoutes.writeError(response, callback, ErrorResponses.of(denied));
      return;
    }
    String server = match.parameter("server");
    if (server != null && !mcp.gateway().serves(server)) {
      RouteGate.closeIfBodyUnread(request, response);
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(
              404, "No MCP server '" + server + "'.", "invalid_request_error", null, "not_found"));
      return;
    }
    request.setAttribute(
        McpCaller.ATTRIBUTE,
        new McpCaller(
            caller.keyId(), caller.workspace(), caller.scopes().mcp(), callLimits(caller)));
    if (!mcp.handle(request, response, callback)) {
      LogsRoutes.writeError(
          response, callback, RouteGate.notFound(request.getMethod(), match.path()));
    }
  }

  /** The key's own limits on its tool calls ({@code limits.mcp}), or none. */
  private static McpCaller.CallLimits callLimits(Principal caller) {
    McpCallLimits limits = caller.limits() == null ? null : caller.limits().mcp();
    return limits == null
        ? McpCaller.CallLimits.NONE
        : new McpCaller.CallLimits(limits.callsPerMinute(), limits.servers());
  }

  /**
   * {@code GET /v1/mcp/oauth/{server}/authorize}: starts a caller's authorization of a per-user
   * server (the caller named by the link's {@code ticket}, which a browser carries, or by a gateway
   * key): a redirect to the authorization server.
   */
  void authorize(Route.Match match, Request request, Response response, Callback callback) {
    RouteGate.closeIfBodyUnread(request, response);
    String server = match.parameter("server");
    if (!perUserServer(server, response, callback)) {
      return;
    }
    String ticket = LogsRoutes.queryFields(request).getValue("ticket");
    String caller = null;
    String presented = PortkeyHeaders.gatewayKey(request.getHeaders());
    if (ticket == null && presented != null) {
      try {
        caller = access.authenticate(presented).keyId();
      } catch (AccessDeniedException denied) {
        LogsRoutes.writeError(response, callback, ErrorResponses.of(denied));
        return;
      }
    }
    URI target;
    try {
      HttpURI uri = request.getHttpURI();
      target =
          mcp.gateway()
              .authorization()
              .begin(
                  server, ticket, caller, URI.create(uri.getScheme() + "://" + uri.getAuthority()));
    } catch (IllegalArgumentException | IllegalStateException failure) {
      writeAuthorizationError(
          failure,
          "The authorization server of MCP server '" + server + "' could not be used: ",
          response,
          callback);
      return;
    }
    response.setStatus(302);
    response.getHeaders().put(HttpHeader.LOCATION, target.toString());
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, null, callback);
  }

  /**
   * An authorization step that could not go on, in OpenAI's error shape: 400 when the caller's
   * request was refused ({@link IllegalArgumentException}: an unknown server, a bad or spent
   * state), 502 when the authorization server could not be used ({@link IllegalStateException}),
   * its message after {@code unreachablePrefix}.
   */
  private static void writeAuthorizationError(
      RuntimeException failure, String unreachablePrefix, Response response, Callback callback) {
    LogsRoutes.writeError(
        response,
        callback,
        failure instanceof IllegalArgumentException
            ? ErrorResponses.gateway(400, failure.getMessage(), "invalid_request_error", null)
            : ErrorResponses.gateway(
                502, unreachablePrefix + failure.getMessage(), "api_error", null));
  }

  /**
   * {@code GET /v1/mcp/oauth/callback}: where the authorization server sends the user back; the
   * code is exchanged for the caller's tokens, kept sealed in the vault.
   */
  void oauthCallback(Route.Match match, Request request, Response response, Callback callback) {
    RouteGate.closeIfBodyUnread(request, response);
    Fields query = LogsRoutes.queryFields(request);
    String server;
    try {
      server =
          mcp.gateway()
              .authorization()
              .complete(query.getValue("state"), query.getValue("code"), query.getValue("error"));
    } catch (IllegalArgumentException | IllegalStateException failure) {
      writeAuthorizationError(
          failure, "The authorization could not be finished: ", response, callback);
      return;
    }
    byte[] page =
        ("<!doctype html><title>Authorized</title><p>The gateway may now call the MCP server '"
                + server
                + "' on your behalf. You can close this page and call the tool again.</p>\n")
            .getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(page), callback);
  }

  /**
   * {@code DELETE /v1/mcp/oauth/{server}}: the calling key forgets its own token for a per-user
   * server (its session there is closed; its next call asks it to authorize again).
   */
  void revokeAuthorization(
      Route.Match match, Request request, Response response, Callback callback) {
    RouteGate.closeIfBodyUnread(request, response);
    Principal caller;
    try {
      caller = access.authenticate(PortkeyHeaders.gatewayKey(request.getHeaders()));
      if (caller.keyId() == null) {
        throw AccessDeniedException.forbidden(
            "Forgetting an upstream authorization needs the gateway key that made it.");
      }
    } catch (AccessDeniedException denied) {
      LogsRoutes.writeError(response, callback, ErrorResponses.of(denied));
      return;
    }
    String server = match.parameter("server");
    if (!perUserServer(server, response, callback)) {
      return;
    }
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("server", server);
    answer.put("revoked", mcp.gateway().revokeAuthorization(server, caller.keyId()));
    LogsRoutes.writeJson(response, callback, 200, answer);
  }

  /** Whether {@code server} authorizes each caller; else answers 404. */
  private boolean perUserServer(String server, Response response, Callback callback) {
    if (mcp.gateway().serves(server) && mcp.gateway().authorization().perUser(server)) {
      return true;
    }
    LogsRoutes.writeError(
        response,
        callback,
        ErrorResponses.gateway(
            404,
            "No MCP server '" + server + "' that authorizes each caller.",
            "invalid_request_error",
            null,
            "not_found"));
    return false;
  }

  /**
   * {@code GET /v1/admin/mcp/servers}: each upstream server, where it is declared ({@code
   * settings}, {@code admin}), connected or not, its restarts; a server declared through the admin
   * API with its declaration (header values hidden).
   */
  void servers(AdminApiHandler.Call call) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    Map<String, McpGateway.ServerState> states = mcp.gateway().states();
    states.keySet().forEach(name -> data.add(server(name, states)));
    declared.declared().keySet().stream()
        .filter(name -> !states.containsKey(name) && !mcp.gateway().declaredInSettings(name))
        .forEach(name -> data.add(server(name, states)));
    call.answer(200, answer);
  }

  /** {@code GET /v1/admin/mcp/servers/{name}}. */
  void server(AdminApiHandler.Call call) {
    String name = call.parameter("name");
    Map<String, McpGateway.ServerState> states = mcp.gateway().states();
    if (!states.containsKey(name) && declared.find(name).isEmpty()) {
      throw AdminException.notFound("No MCP server '" + name + "'.");
    }
    call.answer(200, server(name, states));
  }

  /** {@code POST /v1/admin/mcp/servers}: declares a Streamable HTTP server. */
  void declare(AdminApiHandler.Call call) {
    ObjectNode made = declared.create(call.actorName(), call.body());
    call.answer(201, server(made.path("name").asText(), mcp.gateway().states()));
  }

  /** {@code PUT /v1/admin/mcp/servers/{name}}: replaces a declaration made through the API. */
  void redeclare(AdminApiHandler.Call call) {
    String name = call.parameter("name");
    if (mcp.gateway().declaredInSettings(name)) {
      throw inSettings(name);
    }
    declared.replace(call.actorName(), name, call.body());
    call.answer(200, server(name, mcp.gateway().states()));
  }

  /** {@code DELETE /v1/admin/mcp/servers/{name}}: removes a server declared through the API. */
  void undeclare(AdminApiHandler.Call call) {
    String name = call.parameter("name");
    if (mcp.gateway().declaredInSettings(name)) {
      throw inSettings(name);
    }
    call.answer(200, declared.delete(call.actorName(), name));
  }

  /** A server as the admin API shows it: never a header's value nor a credential. */
  private ObjectNode server(String name, Map<String, McpGateway.ServerState> states) {
    ObjectNode node =
        mcp.gateway().declaredInSettings(name)
            ? JsonNodeFactory.instance.objectNode().put("name", name).put("object", "mcp.server")
            : declared
                .find(name)
                .orElseGet(() ->
                    JsonNodeFactory.instance
                        .objectNode()
                        .put("name", name)
                        .put("object", "mcp.server"));
    McpGateway.ServerState state = states.get(name);
    node.put("source", mcp.gateway().declaredInSettings(name) ? "settings" : "admin");
    node.put("transport", state == null ? "http" : state.transport());
    node.put("connected", state != null && state.connected());
    node.put("restarts", state == null ? 0 : state.restarts());
    return node;
  }

  /** {@code GET /v1/admin/mcp/tools}: every tool pin; a changed tool is flagged, and hidden. */
  void tools(AdminApiHandler.Call call) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    mcp.gateway().pins().forEach(pin -> data.add(pin(pin)));
    call.answer(200, answer);
  }

  /** {@code POST /v1/admin/mcp/tools/{server}/{tool}/approve}: the tool as now offered. */
  void approve(AdminApiHandler.Call call) {
    ToolPins.Pin pin = mcp.gateway().approve(call.parameter("server"), call.parameter("tool"));
    if (pin == null) {
      throw AdminException.notFound(
          "No MCP tool '"
              + call.parameter("tool")
              + "' of server '"
              + call.parameter("server")
              + "' was ever seen.");
    }
    call.answer(200, pin(pin));
  }

  private static ObjectNode pin(ToolPins.Pin pin) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("server", pin.server());
    node.put("tool", pin.tool());
    node.put("approved_sha256", pin.approved());
    if (pin.current()) {
      node.putNull("changed_sha256");
    } else {
      node.put("changed_sha256", pin.seen());
    }
    node.put("status", pin.current() ? "approved" : "changed");
    return node;
  }
}
