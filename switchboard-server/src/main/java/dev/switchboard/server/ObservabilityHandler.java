package dev.switchboard.server;

import dev.switchboard.observe.Observability;
import java.time.Clock;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's observability surface: the request logs and their analytics, feedback, metrics and
 * the dashboard, each served for the {@link Route} the {@link RouteGate} matched (and authorized:
 * with an admin token set, the logs, the analytics, the dashboard and the metrics need it, as they
 * show every client's requests). Every other route goes on to the next handler.
 */
final class ObservabilityHandler extends Handler.Wrapper {
  private final Observability observability;
  private final LogsRoutes logs;
  private final DashboardRoutes dashboard = new DashboardRoutes();

  ObservabilityHandler(Observability observability, Handler next) {
    super(next);
    this.observability = observability;
    this.logs = new LogsRoutes(observability, Clock.systemUTC());
    addBean(dashboard);
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    dashboard.setServer(server);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Route.Match match = RouteGate.matchOf(request);
    switch (match.route()) {
      case METRICS -> {
        if (observability.metrics() == null) {
          LogsRoutes.writeError(
              response, callback, RouteGate.notFound(request.getMethod(), match.path()));
          return true;
        }
        return MetricsEndpoint.handle(observability.metrics(), request, response, callback);
      }
      case LOGS, LOGS_EXPORT, LOGS_TAIL, LOG, ANALYTICS, FEEDBACK -> {
        logs.handle(match, request, response, callback);
        return true;
      }
      case DASHBOARD -> {
        if (!dashboard.handle(request, response, callback)) {
          LogsRoutes.writeError(
              response, callback, RouteGate.notFound(request.getMethod(), match.path()));
        }
        return true;
      }
      default -> {
        return super.handle(request, response, callback);
      }
    }
  }
}
