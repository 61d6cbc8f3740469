package dev.switchboard.server;

import dev.switchboard.observe.Observability;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * The gateway's observability surface: the request logs and their analytics, feedback, metrics and
 * the dashboard. Every other request goes on to the {@link GatewayHandler}.
 *
 * <p>With an admin token set ({@code admin.token}), the logs, the analytics and the dashboard
 * answer only a request that carries it ({@link #authorized}): they show every client's requests,
 * their metadata and, when configured, their bodies. Feedback stays open, as the other client
 * endpoints are.
 */
final class ObservabilityHandler extends Handler.Wrapper {
  /** The realm a browser names when it asks for the token (HTTP Basic, the token as password). */
  static final String REALM = "switchboard";

  private final Observability observability;
  private final byte[] adminTokenDigest;
  private final LogsRoutes logs;
  private final DashboardRoutes dashboard = new DashboardRoutes();

  ObservabilityHandler(Observability observability, String adminToken, Handler next) {
    super(next);
    this.observability = observability;
    this.adminTokenDigest = adminToken == null ? null : sha256(adminToken);
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
    String path = Request.getPathInContext(request);
    if (requiresAdmin(path) && !authorized(request, response, callback)) {
      return true;
    }
    // Each route of observability is added here, by path, before the gateway's own routes.
    if (path.equals("/metrics") && observability.metrics() != null) {
      return MetricsEndpoint.handle(observability.metrics(), request, response, callback);
    }
    if (LogsRoutes.serves(path)) {
      logs.handle(path, request, response, callback);
      return true;
    }
    if (DashboardRoutes.owns(path) && dashboard.handle(request, response, callback)) {
      return true;
    }
    return super.handle(request, response, callback);
  }

  /**
   * Whether {@code path} is behind the admin token: the request logs, the analytics, the dashboard
   * and the metrics (they name the models, providers and spend of every client).
   */
  static boolean requiresAdmin(String path) {
    return path.equals("/metrics")
        || path.equals("/v1/logs")
        || path.startsWith("/v1/logs/")
        || path.equals("/v1/analytics")
        || DashboardRoutes.owns(path);
  }

  /**
   * Whether {@code request} may see the admin routes: always when no admin token is set; else only
   * with {@code Authorization: Bearer <token>} or HTTP Basic whose password is the token (any user
   * name, so a browser's login prompt works). Compared in constant time, as digests, so neither the
   * token's content nor its length leaks through timing. When it returns {@code false}, it has
   * answered 401 with {@code WWW-Authenticate: Basic realm="switchboard"}, and the caller must
   * write nothing more. The token never appears in an answer or a log.
   */
  boolean authorized(Request request, Response response, Callback callback) {
    if (adminTokenDigest == null) {
      return true;
    }
    String presented = presentedToken(request.getHeaders().get(HttpHeader.AUTHORIZATION));
    if (presented != null && MessageDigest.isEqual(adminTokenDigest, sha256(presented))) {
      return true;
    }
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"" + REALM + "\"");
    LogsRoutes.writeError(
        response,
        callback,
        ErrorResponses.gateway(
            401,
            presented == null
                ? "This endpoint requires the admin token: send Authorization: Bearer <token>."
                : "The admin token is not valid.",
            "invalid_request_error",
            null));
    return false;
  }

  /** The token in an {@code Authorization} header, Bearer or Basic (the password), or null. */
  private static String presentedToken(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = value.substring(0, space);
    String credentials = value.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return credentials.isEmpty() ? null : credentials;
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : decoded.substring(colon + 1);
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
    }
    return null;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
