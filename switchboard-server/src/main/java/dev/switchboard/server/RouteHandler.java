package dev.switchboard.server;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What serves a route, named where the route is declared ({@link Route}): a method of one of the
 * server's {@link Endpoints}. The {@link RouteGate} matches a request to its route, checks what the
 * route needs, then calls the route's handler: the one dispatch, so no handler asks again which
 * route it was given. The handler answers the request, always (an error too).
 */
@FunctionalInterface
interface RouteHandler {
  void serve(
      Endpoints endpoints, Route.Match match, Request request, Response response, Callback callback)
      throws Exception;

  /**
   * The objects whose methods serve the routes, built once with the server.
   *
   * @param gateway the gateway's own routes: the engine's operations, the pass-through, {@code /}
   *     and {@code /v1/health}
   * @param admin the admin API
   * @param logs the request logs, their analytics and feedback
   * @param metrics {@code /metrics}
   * @param dashboard the dashboard's files
   * @param responses the stored responses of the Responses API
   * @param mcp the MCP gateway's endpoints and its admin routes
   */
  record Endpoints(
      GatewayHandler gateway,
      AdminApiHandler admin,
      LogsRoutes logs,
      MetricsEndpoint metrics,
      DashboardRoutes dashboard,
      ResponsesRoutes responses,
      McpRoutes mcp) {}
}
