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
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one handler that routes: every request meets it first. It refuses a path that is not in
 * canonical form (400), answers 508 to a request that has come round a loop, matches the request to
 * its {@link Route} (404, 405 otherwise), keeps each route on its port (the admin port's routes
 * answer 404 on the main port when {@code admin.port} is set, and the other way round), and checks
 * what the route needs that no later stage checks: the admin token for the operator's routes, a
 * gateway key's {@code feedback} permission for feedback. The gateway's model routes are authorized
 * in the engine (the access stage), the admin API by {@link AdminApiHandler}. Then it calls the
 * handler the route names ({@link Route#handler()}), once: nothing after it asks again which route
 * it was.
 */
final class RouteGate extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.access");

  /** The name of the admin port's connector. */
  static final String ADMIN_CONNECTOR = "admin";

  private final AdminToken adminToken;
  private final Access access;
  private final boolean adminPortSet;
  private final String instanceId;
  private final RouteHandler.Endpoints endpoints;

  /**
   * @param instanceId this gateway's mark on its outgoing calls ({@link Hops#MARK_HEADER}): a
   *     request carrying it is the gateway's own call come back
   * @param endpoints what the routes' handlers serve them with
   */
  RouteGate(
      AdminToken adminToken,
      Access access,
      boolean adminPortSet,
      String instanceId,
      RouteHandler.Endpoints endpoints) {
    this.adminToken = adminToken;
    this.access = access;
    this.adminPortSet = adminPortSet;
    this.instanceId = instanceId;
    this.endpoints = endpoints;
    // The dashboard's files are served by Jetty's own handlers: started and stopped with the gate.
    addBean(endpoints.dashboard());
    // So are the MCP gateway's servlets (the MCP SDK's Streamable HTTP transport).
    addBean(endpoints.mcp().handler());
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    endpoints.dashboard().setServer(server);
    endpoints.mcp().handler().setServer(server);
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
                  + " encoded slashes, backslashes, dots, '?', '#' or control characters, ';'"
                  + " parameters, or bytes that are not well-formed UTF-8 (an overlong form).",
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
      return refuse(request, response, callback, adminApiOff());
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
          case GATEWAY ->
              switch (route) {
                case FEEDBACK -> feedback(request);
                case PROMPT_RENDER, PROMPT_COMPLETIONS -> prompts(request);
                default -> null;
              };
        };
    if (refused != null) {
      return refuse(request, response, callback, refused);
    }
    route.handler().serve(endpoints, lookup.match(), request, response, callback);
    return true;
  }

  /** The answer to the admin API's whole space while it is off (no admin token set). */
  private static ErrorResponses.ErrorResponse adminApiOff() {
    return ErrorResponses.gateway(
        404, "The admin API is off: set admin.token.", "invalid_request_error", null, "not_found");
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
      Principal caller = holding(request, Permission.FEEDBACK, "send feedback");
      if (caller.workspace() != null) {
        request.setAttribute(FEEDBACK_WORKSPACE, caller.workspace());
      }
      return null;
    } catch (AccessDeniedException denied) {
      return ErrorResponses.of(denied);
    }
  }

  /**
   * A saved prompt needs a gateway key with {@code prompts}, or none where keys are not required; a
   * completion's {@code completions} is the engine's to check, as for any chat request.
   */
  private ErrorResponses.ErrorResponse prompts(Request request) {
    try {
      holding(request, Permission.PROMPTS, "use saved prompts");
      return null;
    } catch (AccessDeniedException denied) {
      return ErrorResponses.of(denied);
    }
  }

  /**
   * The caller, when its gateway key (or none, where keys are not required) holds {@code
   * permission}.
   *
   * @param action what the permission allows, for the refusal: "may not {@code action}"
   * @throws AccessDeniedException 401 for a missing or bad key, 403 for one without the permission
   */
  private Principal holding(Request request, Permission permission, String action) {
    Principal caller = access.authenticate(PortkeyHeaders.gatewayKey(request.getHeaders()));
    if (!caller.scopes().permissions().contains(permission)) {
      throw AccessDeniedException.forbidden(
          "This gateway key may not " + action + " (it lacks '" + permission.wireName() + "').");
    }
    return caller;
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
    return decodesAsUtf8(rawPath);
  }

  /**
   * Whether the path's bytes (its escapes decoded) are well-formed UTF-8: an overlong form ({@code
   * %C0%AF} for {@code /}), a surrogate or a stray byte is refused, never decoded leniently into
   * another character.
   */
  private static boolean decodesAsUtf8(String rawPath) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(rawPath.length());
    for (int i = 0; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c == '%') {
        bytes.write(Integer.parseInt(rawPath.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        return false;
      }
    }
    try {
      java.nio.charset.StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (java.nio.charset.CharacterCodingException malformed) {
      return false;
    }
  }
}
