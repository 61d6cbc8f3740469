package dev.switchboard.server;

import dev.switchboard.access.Access;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.Hops;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler every request meets: it refuses a path that is not in canonical form, matches
 * the request to its {@link Route} (404, 405 otherwise), keeps each route on its port (the admin
 * port's routes answer 404 on the main port when {@code admin.port} is set, and the other way
 * round), and checks what the route needs that no later stage checks: the admin token for the
 * operator's routes, a gateway key's {@code feedback} permission for feedback. The gateway's model
 * routes are authorized in the engine (the access stage), the admin API by {@link AdminApiHandler}.
 * The handlers after it serve the matched route, found with {@link #matchOf}.
 */
final class RouteGate extends Handler.Wrapper {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.access");
  private static final String MATCH = RouteGate.class.getName() + ".match";

  /** The name of the admin port's connector. */
  static final String ADMIN_CONNECTOR = "admin";

  private final AdminToken adminToken;
  private final Access access;
  private final boolean adminPortSet;
  private final String instanceId;

  /**
   * @param instanceId this gateway's mark on its outgoing calls ({@link Hops#MARK_HEADER}): a
   *     request carrying it is the gateway's own call come back
   */
  RouteGate(
      AdminToken adminToken, Access access, boolean adminPortSet, String instanceId, Handler next) {
    super(next);
    this.adminToken = adminToken;
    this.access = access;
    this.adminPortSet = adminPortSet;
    this.instanceId = instanceId;
  }

  /** The route {@code request} was matched to. */
  static Route.Match matchOf(Request request) {
    return (Route.Match) request.getAttribute(MATCH);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String method = request.getMethod();
    String rawPath = request.getHttpURI().getPath();
    if (!canonical(rawPath)) {
      return refuse(
          request,
          response,
          callback,
          ErrorResponses.gateway(
              400,
              "The request path is not in canonical form: no empty segments (//), dot segments,"
                  + " encoded slashes, backslashes, dots, '?', '#' or control characters, or ';'"
                  + " parameters.",
              "invalid_request_error",
              null));
    }
    ErrorResponses.ErrorResponse loop = loop(request);
    if (loop != null) {
      return refuse(request, response, callback, loop);
    }
    String path = Request.getPathInContext(request);
    boolean onAdminPort =
        ADMIN_CONNECTOR.equals(request.getConnectionMetaData().getConnector().getName());
    if (Route.adminApiSpace(path) && adminToken == null) {
      // Off: as if it did not exist, whatever the method (fail closed).
      return refuse(request, response, callback, AdminApiHandler.off());
    }
    if (Route.adminApiSpace(path) && adminPortSet && !onAdminPort) {
      return refuse(request, response, callback, notFound(method, path));
    }
    Route.Lookup lookup = Route.match(method, path);
    if (lookup.match() == null) {
      if (lookup.miss() == Route.Miss.METHOD_NOT_ALLOWED) {
        response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", lookup.allowed()));
      }
      return refuse(
          request,
          response,
          callback,
          lookup.miss() == Route.Miss.METHOD_NOT_ALLOWED
              ? ErrorResponses.gateway(
                  405, "Method not allowed: " + method + " " + path, "invalid_request_error", null)
              : notFound(method, path));
    }
    Route route = lookup.match().route();
    if (adminPortSet
        && route.surface() != Route.Surface.PUBLIC
        && route.onAdminPort() != onAdminPort) {
      return refuse(request, response, callback, notFound(method, path));
    }
    ErrorResponses.ErrorResponse refused =
        switch (route.surface()) {
          case PUBLIC, ADMIN_API -> null;
          case OPERATOR -> operator(request, response);
          case GATEWAY -> route == Route.FEEDBACK ? feedback(request) : null;
        };
    if (refused != null) {
      return refuse(request, response, callback, refused);
    }
    request.setAttribute(MATCH, lookup.match());
    return super.handle(request, response, callback);
  }

  /**
   * The operator's routes (request logs, analytics, dashboard, metrics) with an admin token set
   * need it. Without one they are open, as the gateway's other routes are, unless gateway keys are
   * required: then nobody may see every caller's requests (fail closed).
   */
  private ErrorResponses.ErrorResponse operator(Request request, Response response) {
    if (adminToken == null) {
      return access.keysRequired()
          ? ErrorResponses.gateway(
              401,
              "This endpoint requires the admin token, and none is set (admin.token).",
              "authentication_error",
              null,
              "missing_admin_token")
          : null;
    }
    if (adminToken.presentedBy(request)) {
      return null;
    }
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, AdminToken.BASIC_CHALLENGE);
    return ErrorResponses.gateway(
        401,
        AdminToken.presented(request) == null
            ? "This endpoint requires the admin token: send Authorization: Bearer <token>."
            : "The admin token is not valid.",
        "invalid_request_error",
        null);
  }

  /**
   * The request attribute naming the workspace of the key that sends feedback: its feedback counts
   * for that workspace's requests only.
   */
  static final String FEEDBACK_WORKSPACE = "switchboard.feedback.workspace";

  /**
   * A request that is this gateway's own call come back (its mark), or that has passed through as
   * many gateways as a chain may hold: 508, whatever the route, before anything is done for it.
   */
  private ErrorResponses.ErrorResponse loop(Request request) {
    for (String mark : request.getHeaders().getValuesList(Hops.MARK_HEADER)) {
      if (mark.strip().equals(instanceId)) {
        return ErrorResponses.gateway(
            508,
            "Loop detected: this request is this gateway's own call come back to it.",
            "invalid_request_error",
            Hops.MARK_HEADER,
            "loop_detected");
      }
    }
    int hops;
    try {
      hops = Hops.parse(request.getHeaders().get(Hops.HEADER));
    } catch (InvalidRequestException invalid) {
      return ErrorResponses.of(invalid);
    }
    if (hops >= Hops.LIMIT) {
      return ErrorResponses.gateway(
          508,
          "Loop detected: this request has passed through "
              + hops
              + " gateways, the most a chain may hold is "
              + Hops.LIMIT
              + ".",
          "invalid_request_error",
          Hops.HEADER,
          "loop_detected");
    }
    return null;
  }

  /** Feedback needs a gateway key with {@code feedback}, or none where keys are not required. */
  private ErrorResponses.ErrorResponse feedback(Request request) {
    try {
      Principal caller = access.authenticate(PortkeyHeaders.gatewayKey(request.getHeaders()));
      if (!caller.scopes().permissions().contains(Permission.FEEDBACK)) {
        throw AccessDeniedException.forbidden(
            "This gateway key may not send feedback (it lacks 'feedback').");
      }
      if (caller.workspace() != null) {
        request.setAttribute(FEEDBACK_WORKSPACE, caller.workspace());
      }
      return null;
    } catch (AccessDeniedException denied) {
      return ErrorResponses.of(denied);
    }
  }

  private boolean refuse(
      Request request, Response response, Callback callback, ErrorResponses.ErrorResponse error) {
    log.info(
        "{} {} {} refused before routing",
        request.getMethod(),
        Request.getPathInContext(request),
        error.status());
    closeIfBodyUnread(request, response);
    LogsRoutes.writeError(response, callback, error);
    return true;
  }

  /**
   * A refusal answered before the request's body was read ends the connection, and says so:
   * otherwise the server may close it while discarding the body, after a client has already put it
   * back in its pool for the next request.
   */
  static void closeIfBodyUnread(Request request, Response response) {
    if (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
  }

  static ErrorResponses.ErrorResponse notFound(String method, String path) {
    return ErrorResponses.gateway(
        404, "Not found: " + method + " " + path, "invalid_request_error", null);
  }

  /**
   * Whether a raw (still encoded) path is in canonical form, so that the path the route table
   * matches is the one the client wrote: one way to spell each route. Refused: empty segments,
   * {@code .} and {@code ..} segments (raw or encoded), encoded slashes and backslashes, raw
   * backslashes, path parameters ({@code ;}), encoded control characters, and an encoded {@code ?}
   * or {@code #} (decoded, it would change the meaning of a passed-through request's upstream URL).
   */
  static boolean canonical(String rawPath) {
    if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      return false;
    }
    if (rawPath.contains("//") || rawPath.indexOf('\\') >= 0 || rawPath.indexOf(';') >= 0) {
      return false;
    }
    for (String segment : rawPath.substring(1).split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    for (int i = 0; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
      if (c == '%') {
        if (i + 2 >= rawPath.length()) {
          return false;
        }
        int value;
        try {
          value = Integer.parseInt(rawPath.substring(i + 1, i + 3), 16);
        } catch (NumberFormatException notHex) {
          return false;
        }
        if (value < 0x20
            || value == 0x7f
            || value == '/'
            || value == '\\'
            || value == '.'
            || value == '?'
            || value == '#') {
          return false;
        }
      }
    }
    return true;
  }
}
