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
import dev.switchboard.state.configs.SavedConfigs;
import dev.switchboard.state.prompts.Prompts;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API under {@code /v1/admin/}: workspaces, gateway keys, virtual keys and usage, as JSON
 * over HTTP, each route a call of the {@link AccessAdmin} on behalf of the caller, made by the
 * method the route names ({@link Endpoint}). Off (404, as if absent) unless an admin token is set
 * ({@link RouteGate} answers that). The caller is the admin (the admin token, Bearer or Basic) or
 * the holder of a gateway key ({@code x-portkey-api-key}, or {@code Authorization: Bearer sbk-…})
 * whose scopes hold the route's permission; the {@link AccessAdmin} then holds it to its own
 * workspace and to keys no wider than itself. Anything else is 401. Errors are in OpenAI's shape; a
 * created or rotated key's secret appears in that one answer and nowhere else, and every answer is
 * {@code Cache-Control: no-store}.
 */
final class AdminApiHandler {
  private static final Logger log = LoggerFactory.getLogger(AdminApiHandler.class);

  /** The largest request body read: the biggest is a virtual key's service-account JSON. */
  private static final int MAX_BODY_BYTES = 256 * 1024;

  private final AdminToken adminToken;
  private final Access access;
  private final Prompts prompts;
  private final SavedConfigs savedConfigs;

  /**
   * @param adminToken the admin token; while none is set, the {@link RouteGate} answers the admin
   *     API's whole space, so no request reaches this handler
   */
  AdminApiHandler(
      AdminToken adminToken, Access access, Prompts prompts, SavedConfigs savedConfigs) {
    this.adminToken = adminToken;
    this.access = access;
    this.prompts = prompts;
    this.savedConfigs = savedConfigs;
  }

  /** What serves one of its routes, once the caller may call it: a method of this class. */
  @FunctionalInterface
  interface Endpoint {
    void serve(Call call);
  }

  /**
   * An admin request whose caller may call its route.
   *
   * @param actor the caller
   * @param body the JSON object sent, for a route that reads one; else {@code null}
   */
  record Call(
      AccessAdmin admin,
      Prompts prompts,
      SavedConfigs savedConfigs,
      Principal actor,
      Route.Match match,
      JsonNode body,
      Request request,
      Response response,
      Callback callback) {
    /** A {@code {name}} segment of the route's path. */
    String parameter(String name) {
      return match.parameter(name);
    }

    /** One query parameter, or {@code null}; several of the same name are refused. */
    String query(String name) {
      List<String> values = LogsRoutes.queryFields(request).getValues(name);
      if (values == null || values.isEmpty()) {
        return null;
      }
      if (values.size() > 1) {
        throw new InvalidRequestException("Give " + name + " once.", name, null);
      }
      return values.get(0).isBlank() ? null : values.get(0);
    }

    void answer(int status, JsonNode answer) {
      LogsRoutes.writeJson(response, callback, status, answer);
    }

    /**
     * The caller as the prompts' and configs' audit trails name it: {@code admin}, or {@code
     * key:<id>}.
     */
    String actorName() {
      return actor.kind() == Principal.Kind.ADMIN ? "admin" : "key:" + actor.keyId();
    }
  }

  /**
   * Serves {@code match}, one of its routes, with {@code endpoint}.
   *
   * @param readsBody whether the route reads a JSON object; another route's body is read and
   *     dropped, so that the connection stays usable for the client's next request
   */
  void handle(
      Endpoint endpoint,
      boolean readsBody,
      Route.Match match,
      Request request,
      Response response,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    if (!access.enabled() && !match.route().managesDocuments()) {
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(
              404,
              "The admin API is off: access.enabled is false.",
              "invalid_request_error",
              null,
              "not_found"));
      return;
    }
    try {
      Principal actor = actor(request);
      permit(actor, match.route());
      JsonNode body = null;
      if (readsBody) {
        body = body(request);
      } else {
        RequestBodies.read(request, MAX_BODY_BYTES);
      }
      endpoint.serve(
          new Call(
              access.enabled() ? access.admin() : null,
              prompts,
              savedConfigs,
              actor,
              match,
              body,
              request,
              response,
              callback));
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
    if (key != null && access.enabled()) {
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

  static void createWorkspace(Call call) {
    AdminJson.WorkspaceRequest body = AdminJson.workspaceRequest(call.body());
    call.answer(
        201,
        AdminJson.workspace(
            call.admin().createWorkspace(call.actor(), body.id(), body.name(), body.limits())));
  }

  static void workspaces(Call call) {
    call.answer(200, AdminJson.list(call.admin().workspaces(call.actor()), AdminJson::workspace));
  }

  static void updateWorkspace(Call call) {
    AdminJson.WorkspaceUpdate update = AdminJson.workspaceUpdate(call.body());
    String id = call.parameter("id");
    AccessAdmin.Workspace updated = null;
    if (update.limits() != null) {
      updated = call.admin().updateWorkspace(call.actor(), id, update.limits());
    }
    if (update.setsCustomHosts()) {
      updated = call.admin().setCustomHosts(call.actor(), id, update.customHosts());
    }
    call.answer(200, AdminJson.workspace(updated));
  }

  static void createKey(Call call) {
    call.answer(
        201,
        AdminJson.createdKey(
            call.admin().createKey(call.actor(), AdminJson.keyRequest(call.body()))));
  }

  static void keys(Call call) {
    call.answer(
        200,
        AdminJson.list(call.admin().keys(call.actor(), call.query("workspace")), AdminJson::key));
  }

  static void key(Call call) {
    call.answer(200, AdminJson.key(call.admin().key(call.actor(), call.parameter("id"))));
  }

  static void updateKey(Call call) {
    call.answer(
        200,
        AdminJson.key(
            call.admin()
                .updateKey(call.actor(), call.parameter("id"), AdminJson.keyUpdate(call.body()))));
  }

  static void revokeKey(Call call) {
    call.answer(200, AdminJson.key(call.admin().revokeKey(call.actor(), call.parameter("id"))));
  }

  static void rotateKey(Call call) {
    call.answer(
        200, AdminJson.createdKey(call.admin().rotateKey(call.actor(), call.parameter("id"))));
  }

  static void createVirtualKey(Call call) {
    call.answer(
        201,
        AdminJson.virtualKey(
            call.admin().createVirtualKey(call.actor(), AdminJson.virtualKeyRequest(call.body()))));
  }

  static void virtualKeys(Call call) {
    call.answer(
        200,
        AdminJson.list(
            call.admin().virtualKeys(call.actor(), call.query("workspace")),
            AdminJson::virtualKey));
  }

  static void virtualKey(Call call) {
    call.answer(
        200,
        AdminJson.virtualKey(
            call.admin()
                .virtualKey(call.actor(), call.parameter("workspace"), call.parameter("slug"))));
  }

  static void updateVirtualKey(Call call) {
    call.answer(
        200,
        AdminJson.virtualKey(
            call.admin()
                .updateVirtualKey(
                    call.actor(),
                    call.parameter("workspace"),
                    call.parameter("slug"),
                    AdminJson.limitsUpdate(call.body()))));
  }

  static void revokeVirtualKey(Call call) {
    call.answer(
        200,
        AdminJson.virtualKey(
            call.admin()
                .revokeVirtualKey(
                    call.actor(), call.parameter("workspace"), call.parameter("slug"))));
  }

  static void rotateVirtualKey(Call call) {
    call.answer(
        200,
        AdminJson.virtualKey(
            call.admin()
                .rotateVirtualKey(
                    call.actor(),
                    call.parameter("workspace"),
                    call.parameter("slug"),
                    AdminJson.rotation(call.body()))));
  }

  static void reencryptVirtualKeys(Call call) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("reencrypted", call.admin().reencryptVirtualKeys(call.actor()));
    call.answer(200, answer);
  }

  static void usage(Call call) {
    AdminJson.SubjectName subject = AdminJson.subject(call.query("subject"));
    call.answer(
        200, AdminJson.usage(call.admin().usage(call.actor(), subject.kind(), subject.id())));
  }

  static void createPrompt(Call call) {
    call.answer(201, call.prompts().create(call.actorName(), call.body()));
  }

  static void prompts(Call call) {
    call.answer(200, call.prompts().list());
  }

  static void prompt(Call call) {
    call.answer(200, call.prompts().prompt(call.parameter("id")));
  }

  static void addPromptVersion(Call call) {
    call.answer(
        201, call.prompts().addVersion(call.actorName(), call.parameter("id"), call.body()));
  }

  static void promptVersion(Call call) {
    call.answer(
        200,
        call.prompts()
            .version(call.parameter("id"), versionNumber(call.parameter("version"), "version")));
  }

  /** {@code {"version": N}}: the version the label points at from now on. */
  static void movePromptLabel(Call call) {
    call.answer(
        200,
        call.prompts()
            .moveLabel(
                call.actorName(),
                call.parameter("id"),
                call.parameter("label"),
                versionNumber(call.body().path("version"))));
  }

  /** {@code {"version": N, "label": "production"}}: the label (by default production) goes back. */
  static void rollbackPrompt(Call call) {
    JsonNode label = call.body().path("label");
    if (!label.isMissingNode() && !label.isNull() && !label.isTextual()) {
      throw new InvalidRequestException("'label' must be a string.", "label", null);
    }
    call.answer(
        200,
        call.prompts()
            .rollback(
                call.actorName(),
                call.parameter("id"),
                label.isTextual() ? label.asText() : null,
                versionNumber(call.body().path("version"))));
  }

  static void promptHistory(Call call) {
    call.answer(200, call.prompts().history(call.parameter("id")));
  }

  static void createConfig(Call call) {
    call.answer(201, call.savedConfigs().create(call.actorName(), call.body()));
  }

  static void configs(Call call) {
    call.answer(200, call.savedConfigs().list());
  }

  static void config(Call call) {
    call.answer(200, call.savedConfigs().config(call.parameter("id")));
  }

  static void addConfigVersion(Call call) {
    call.answer(
        201, call.savedConfigs().addVersion(call.actorName(), call.parameter("id"), call.body()));
  }

  static void configVersion(Call call) {
    call.answer(
        200,
        call.savedConfigs()
            .version(call.parameter("id"), versionNumber(call.parameter("version"), "version")));
  }

  /** {@code {"version": N}}: a new version equal to version N. */
  static void rollbackConfig(Call call) {
    call.answer(
        201,
        call.savedConfigs()
            .rollback(
                call.actorName(),
                call.parameter("id"),
                versionNumber(call.body().path("version"))));
  }

  static void deleteConfig(Call call) {
    call.answer(200, call.savedConfigs().delete(call.actorName(), call.parameter("id")));
  }

  static void configHistory(Call call) {
    call.answer(200, call.savedConfigs().history(call.parameter("id")));
  }

  private static int versionNumber(JsonNode version) {
    if (!version.isIntegralNumber()
        || version.asLong() < 1
        || version.asLong() > Integer.MAX_VALUE) {
      throw new InvalidRequestException(
          "'version' must be a version number (a whole number from 1).", "version", null);
    }
    return version.asInt();
  }

  private static int versionNumber(String text, String param) {
    try {
      int version = Integer.parseInt(text);
      if (version >= 1) {
        return version;
      }
    } catch (NumberFormatException notNumber) {
      // refused below
    }
    throw new InvalidRequestException(
        "'" + param + "' must be a version number (a whole number from 1).", param, null);
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
}
