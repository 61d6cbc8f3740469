package dev.switchboard.server;

import dev.switchboard.observe.metrics.GatewayMetrics;
import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: the gateway's Prometheus metrics, in the format the scraper's {@code
 * Accept} header asks for (Prometheus text 0.0.4, or OpenMetrics). An operator's route: open to
 * anyone who can reach the gateway while no admin token is set, as metrics endpoints usually are,
 * and only to a request carrying the token once one is. The labels name providers, models and
 * upstream hosts, never a key or a caller's data. Not found (404) while metrics are off.
 */
final class MetricsEndpoint {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final GatewayMetrics metrics;

  /**
   * @param metrics the gateway's metrics, or {@code null} when they are off
   */
  MetricsEndpoint(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  void serve(Route.Match match, Request request, Response response, Callback callback) {
    if (metrics == null) {
      LogsRoutes.writeError(
          response, callback, RouteGate.notFound(request.getMethod(), match.path()));
      return;
    }
    // GET or HEAD: the route table (RouteGate) refused any other method with 405.
    GatewayMetrics.Scrape scrape;
    try {
      scrape = metrics.scrape(request.getHeaders().get(HttpHeader.ACCEPT));
    } catch (RuntimeException failure) {
      log.warn("the metrics could not be collected: {}", failure.toString());
      writeError(
          response,
          callback,
          ErrorResponses.gateway(500, "The metrics could not be collected.", "api_error", null));
      return;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, scrape.contentType());
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, scrape.body().length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    if (request.getMethod().equals("HEAD")) {
      callback.succeeded();
    } else {
      response.write(true, ByteBuffer.wrap(scrape.body()), callback);
    }
  }

  private static void writeError(
      Response response, Callback callback, ErrorResponses.ErrorResponse error) {
    byte[] body = WireJson.write(error.body());
    response.setStatus(error.status());
    error.headers().forEach((name, value) -> response.getHeaders().put(name, value));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
