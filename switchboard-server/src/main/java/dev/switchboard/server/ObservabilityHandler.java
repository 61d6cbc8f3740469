package dev.switchboard.server;

import dev.switchboard.observe.Observability;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's observability surface: the request logs and their analytics, feedback, metrics and
 * the dashboard. Every other request goes on to the {@link GatewayHandler}.
 */
final class ObservabilityHandler extends Handler.Wrapper {
  private final Observability observability;
  private final DashboardRoutes dashboard = new DashboardRoutes();

  ObservabilityHandler(Observability observability, Handler next) {
    super(next);
    this.observability = observability;
    addBean(dashboard);
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    dashboard.setServer(server);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    // Each route of observability is added here, by path, before the gateway's own routes.
    if (DashboardRoutes.owns(path) && dashboard.handle(request, response, callback)) {
      return true;
    }
    return super.handle(request, response, callback);
  }
}
