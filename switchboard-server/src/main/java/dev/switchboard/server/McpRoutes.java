package dev.switchboard.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.Access;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.mcp.McpCaller;
import dev.switchboard.mcp.McpGateway;
import dev.switchboard.mcp.ToolPins;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The MCP gateway's routes: {@code /mcp} and {@code /mcp/{server}} (Streamable HTTP, served by
 * {@link McpGateway}'s transport once the caller is authenticated: a gateway key where keys are
 * required, its MCP scope handed on as the request's {@link McpCaller}), and the admin API's view
 * of the upstream servers and the tool pins.
 */
final class McpRoutes {
  private final McpOnDemand mcp;
  private final Access access;

  McpRoutes(McpOnDemand mcp, Access access) {
    this.mcp = mcp;
    this.access = access;
  }

  /**
   * The Jetty handler the SDK's servlets live in (the gateway made on first use): started and
   * stopped with the route gate.
   */
  org.eclipse.jetty.server.Handler handler() {
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
        new McpCaller(caller.keyId(), caller.workspace(), caller.scopes().mcp()));
    if (!mcp.handle(request, response, callback)) {
      LogsRoutes.writeError(
          response, callback, RouteGate.notFound(request.getMethod(), match.path()));
    }
  }

  /** {@code GET /v1/admin/mcp/servers}: each upstream server, connected or not, its restarts. */
  void servers(AdminApiHandler.Call call) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    mcp.gateway()
        .states()
        .values()
        .forEach(state ->
            data.addObject()
                .put("name", state.name())
                .put("transport", state.transport())
                .put("connected", state.connected())
                .put("restarts", state.restarts()));
    call.answer(200, answer);
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
