package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.Access;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /v1/admin/}: workspaces, gateway keys, virtual keys and usage, as JSON
 * over HTTP, each route a call of the {@link AccessAdmin} on behalf of the caller. Off (404, as if
 * absent) unless an admin token is set ({@link RouteGate} answers that). The caller is the admin
 * (the admin token, Bearer or Basic) or the holder of a gateway key ({@code x-portkey-api-key}, or
 * {@code Authorization: Bearer sbk-…}) whose scopes hold the route's permission; the {@link
 * AccessAdmin} then holds it to its own workspace and to keys no wider than itself. Anything else
 * is 401. Errors are in OpenAI's shape; a created or rotated key's secret appears in that one
 * answer and nowhere else, and every answer is {@code Cache-Control: no-store}.
 */
final class AdminApiHandler extends Handler.Wrapper {
  private static final Logger log = LoggerFactory.getLogger(AdminApiHandler.class);

  /** The largest request body read: the biggest is a virtual key's service-account JSON. */
  private static final int MAX_BODY_BYTES = 256 * 1024;

  private final AdminToken adminToken;
  private final Access access;

  AdminApiHandler(AdminToken adminToken, Access access, Handler next) {
    super(next);
    this.adminToken = adminToken;
    this.access = access;
  }

  /** The answer to every admin route while the admin API is off (no admin token set). */
  static ErrorResponses.ErrorResponse off() {
    return ErrorResponses.gateway(
        404, "The admin API is off: set admin.token.", "invalid_request_error", null, "not_found");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Route.Match match = RouteGate.matchOf(request);
    if (match.route().surface() != Route.Surface.ADMIN_API) {
      return super.handle(request, response, callback);
    }
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    if (!access.enabled() || adminToken == null) {
      LogsRoutes.writeError(
          response,
          callback,
          adminToken == null
              ? off()
              : ErrorResponses.gateway(
                  404,
                  "The admin API is off: access.enabled is false.",
                  "invalid_request_error",
                  null,
                  "not_found"));
      return true;
    }
    try {
      Principal actor = actor(request);
      permit(actor, match.route());
      if (!takesBody(match.route())) {
        // Read and dropped, so that the connection stays usable for the client's next request.
        RequestBodies.read(request, MAX_BODY_BYTES);
      }
      answer(access.admin(), actor, match, request, response, callback);
    } catch (GatewayException error) {
      RouteGate.closeIfBodyUnread(request, response);
      ErrorResponses.ErrorResponse answer = ErrorResponses.of(error);
      if (error.status() == 401) {
        // The admin API takes HTTP Basic too (the dashboard's sign-in): a browser answers only a
        // Basic challenge with the credentials it holds for the realm.
        answer = answer.withHeader("www-authenticate", AdminToken.BASIC_CHALLENGE);
      }
      LogsRoutes.writeError(response, callback, answer);
    } catch (AdminException refused) {
      RouteGate.closeIfBodyUnread(request, response);
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(
              refused.status(),
              refused.getMessage(),
              "invalid_request_error",
              null,
              switch (refused.status()) {
                case 404 -> "not_found";
                case 409 -> "conflict";
                default -> "invalid_request";
              }));
    } catch (IllegalArgumentException invalid) {
      // A value the access module's model refuses (a negative limit, …): its message names it.
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(
              400, invalid.getMessage(), "invalid_request_error", null, "invalid_request"));
    } catch (RuntimeException unexpected) {
      log.error(
          "unexpected failure on {} {}: {}",
          request.getMethod(),
          match.route(),
          unexpected.getClass().getName());
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(500, "Something went wrong in the gateway.", "api_error", null));
    }
    return true;
  }

  /**
   * The admin, for the admin token; the key's holder, for a gateway key; else 401. A bearer token
   * that is neither is refused without saying which it was taken for.
   */
  private Principal actor(Request request) {
    if (adminToken.presentedBy(request)) {
      return Principal.ADMIN;
    }
    String key = PortkeyHeaders.gatewayKey(request.getHeaders());
    if (key != null) {
      return access.authenticate(key);
    }
    throw AccessDeniedException.unauthenticated(
        AdminToken.presented(request) == null ? "missing_api_key" : "invalid_api_key",
        AdminToken.presented(request) == null
            ? "The admin API requires the admin token (Authorization: Bearer <token>) or a gateway"
                + " key."
            : "The admin token is not valid.");
  }

  /** A gateway key needs the route's permission; routes without one are the admin's alone. */
  private static void permit(Principal actor, Route route) {
    if (actor.kind() == Principal.Kind.ADMIN) {
      return;
    }
    if (route.permission() == null) {
      throw AccessDeniedException.forbidden("Only the admin token may do this.");
    }
    if (actor.scopes() == null || !actor.scopes().permissions().contains(route.permission())) {
      throw AccessDeniedException.forbidden(
          "This gateway key may not do this: it lacks '" + route.permission().wireName() + "'.");
    }
  }

  private void answer(
      AccessAdmin admin,
      Principal actor,
      Route.Match match,
      Request request,
      Response response,
      Callback callback) {
    String id = match.parameter("id");
    String workspace = match.parameter("workspace");
    String slug = match.parameter("slug");
    switch (match.route()) {
      case ADMIN_WORKSPACES_CREATE -> {
        AdminJson.WorkspaceRequest body = AdminJson.workspaceRequest(body(request));
        write(
            response,
            callback,
            201,
            AdminJson.workspace(
                admin.createWorkspace(actor, body.id(), body.name(), body.limits())));
      }
      case ADMIN_WORKSPACES_LIST ->
          write(
              response,
              callback,
              200,
              AdminJson.list(admin.workspaces(actor), AdminJson::workspace));
      case ADMIN_WORKSPACE_UPDATE -> {
        AdminJson.WorkspaceUpdate update = AdminJson.workspaceUpdate(body(request));
        AccessAdmin.Workspace updated = null;
        if (update.limits() != null) {
          updated = admin.updateWorkspace(actor, id, update.limits());
        }
        if (update.setsCustomHosts()) {
          updated = admin.setCustomHosts(actor, id, update.customHosts());
        }
        write(response, callback, 200, AdminJson.workspace(updated));
      }
      case ADMIN_KEYS_CREATE ->
          write(
              response,
              callback,
              201,
              AdminJson.createdKey(admin.createKey(actor, AdminJson.keyRequest(body(request)))));
      case ADMIN_KEYS_LIST ->
          write(
              response,
              callback,
              200,
              AdminJson.list(admin.keys(actor, query(request, "workspace")), AdminJson::key));
      case ADMIN_KEY_GET -> write(response, callback, 200, AdminJson.key(admin.key(actor, id)));
      case ADMIN_KEY_UPDATE ->
          write(
              response,
              callback,
              200,
              AdminJson.key(admin.updateKey(actor, id, AdminJson.keyUpdate(body(request)))));
      case ADMIN_KEY_REVOKE ->
          write(response, callback, 200, AdminJson.key(admin.revokeKey(actor, id)));
      case ADMIN_KEY_ROTATE ->
          write(response, callback, 200, AdminJson.createdKey(admin.rotateKey(actor, id)));
      case ADMIN_VIRTUAL_KEYS_CREATE ->
          write(
              response,
              callback,
              201,
              AdminJson.virtualKey(
                  admin.createVirtualKey(actor, AdminJson.virtualKeyRequest(body(request)))));
      case ADMIN_VIRTUAL_KEYS_LIST ->
          write(
              response,
              callback,
              200,
              AdminJson.list(
                  admin.virtualKeys(actor, query(request, "workspace")), AdminJson::virtualKey));
      case ADMIN_VIRTUAL_KEY_GET ->
          write(
              response,
              callback,
              200,
              AdminJson.virtualKey(admin.virtualKey(actor, workspace, slug)));
      case ADMIN_VIRTUAL_KEY_UPDATE ->
          write(
              response,
              callback,
              200,
              AdminJson.virtualKey(
                  admin.updateVirtualKey(
                      actor, workspace, slug, AdminJson.limitsUpdate(body(request)))));
      case ADMIN_VIRTUAL_KEY_REVOKE ->
          write(
              response,
              callback,
              200,
              AdminJson.virtualKey(admin.revokeVirtualKey(actor, workspace, slug)));
      case ADMIN_VIRTUAL_KEY_ROTATE ->
          write(
              response,
              callback,
              200,
              AdminJson.virtualKey(
                  admin.rotateVirtualKey(
                      actor, workspace, slug, AdminJson.rotation(body(request)))));
      case ADMIN_VIRTUAL_KEYS_REENCRYPT -> {
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("reencrypted", admin.reencryptVirtualKeys(actor));
        write(response, callback, 200, answer);
      }
      case ADMIN_USAGE -> {
        AdminJson.SubjectName subject = AdminJson.subject(query(request, "subject"));
        write(
            response,
            callback,
            200,
            AdminJson.usage(admin.usage(actor, subject.kind(), subject.id())));
      }
      default -> throw new IllegalStateException("not an admin route: " + match.route());
    }
  }

  private static void write(Response response, Callback callback, int status, JsonNode body) {
    LogsRoutes.writeJson(response, callback, status, body);
  }

  /** Whether a route reads a JSON body. */
  private static boolean takesBody(Route route) {
    return switch (route) {
      case ADMIN_WORKSPACES_CREATE,
          ADMIN_WORKSPACE_UPDATE,
          ADMIN_KEYS_CREATE,
          ADMIN_KEY_UPDATE,
          ADMIN_VIRTUAL_KEYS_CREATE,
          ADMIN_VIRTUAL_KEY_UPDATE,
          ADMIN_VIRTUAL_KEY_ROTATE ->
          true;
      default -> false;
    };
  }

  /**
   * The request's JSON body (a JSON object is required; the JSON reader's message for bad JSON).
   */
  private static JsonNode body(Request request) {
    byte[] bytes = RequestBodies.json(request, MAX_BODY_BYTES);
    try {
      return WireJson.strictTree(bytes);
    } catch (WireFormatException e) {
      // Jackson's message quotes the input near the error, which may be a secret: not repeated.
      throw new InvalidRequestException("Invalid JSON in request body.", null, e);
    }
  }

  /** One query parameter, or {@code null}; several of the same name are refused. */
  private static String query(Request request, String name) {
    Fields fields;
    try {
      fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    } catch (RuntimeException malformed) {
      throw new InvalidRequestException(
          "The query string is not valid URL encoding.", null, malformed);
    }
    List<String> values = fields.getValues(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw new InvalidRequestException("Give " + name + " once.", name, null);
    }
    return values.get(0).isBlank() ? null : values.get(0);
  }
}
