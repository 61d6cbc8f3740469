package dev.switchboard.server;

import dev.switchboard.observe.Observability;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's observability surface: the request logs and their analytics, feedback, metrics and
 * the dashboard. Every other request goes on to the {@link GatewayHandler}.
 */
final class ObservabilityHandler extends Handler.Wrapper {
  private final Observability observability;

  ObservabilityHandler(Observability observability, Handler next) {
    super(next);
    this.observability = observability;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    // Each route of observability is added here, by path, before the gateway's own routes.
    if (path.equals("/metrics") && observability.metrics() != null) {
      return MetricsEndpoint.handle(observability.metrics(), request, response, callback);
    }
    return super.handle(request, response, callback);
  }
}
