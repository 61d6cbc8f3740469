package dev.switchboard.server;

import dev.switchboard.access.Access;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.state.ConversationState;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stored responses' routes: {@code GET} and {@code DELETE /v1/responses/{id}}, {@code GET
 * /v1/responses/{id}/input_items} and {@code POST /v1/responses/{id}/cancel}, in OpenAI's shapes.
 * The caller needs what {@code POST /v1/responses} needs (a gateway key with {@code completions},
 * or none where keys are not required) and sees its own workspace's responses only: another
 * workspace's id is a 404, as an unknown one. An id the gateway did not store is a 404 whatever
 * {@code x-portkey-provider} names: it is never looked up at a provider (OpenAI's own stored
 * responses are reached through the pass-through, {@code /v1/proxy/responses/{id}}).
 */
final class ResponsesRoutes {
  private static final Logger log = LoggerFactory.getLogger(ResponsesRoutes.class);

  private final ConversationState state;
  private final Access access;

  ResponsesRoutes(ConversationState state, Access access) {
    this.state = state;
    this.access = access;
  }

  /** What serves one of its routes: a method of this class, given the caller's workspace. */
  @FunctionalInterface
  interface Endpoint {
    void serve(
        ResponsesRoutes routes,
        String workspace,
        Route.Match match,
        Request request,
        Response response,
        Callback callback);
  }

  /** Serves {@code match}, one of its routes, with {@code endpoint}, for an authorized caller. */
  void handle(
      Endpoint endpoint, Route.Match match, Request request, Response response, Callback callback) {
    try {
      Principal caller = access.authenticate(PortkeyHeaders.gatewayKey(request.getHeaders()));
      if (!caller.scopes().permissions().contains(Permission.COMPLETIONS)) {
        throw AccessDeniedException.forbidden(
            "This gateway key may not use the Responses API (it lacks 'completions').");
      }
      endpoint.serve(this, caller.workspace(), match, request, response, callback);
    } catch (GatewayException error) {
      LogsRoutes.writeError(response, callback, ErrorResponses.of(error));
    } catch (RuntimeException unexpected) {
      log.error("unexpected failure on {}", match.path(), unexpected);
      LogsRoutes.writeError(
          response,
          callback,
          ErrorResponses.gateway(500, "Something went wrong in the gateway.", "api_error", null));
    }
  }

  void retrieve(
      String workspace, Route.Match match, Request request, Response response, Callback callback) {
    LogsRoutes.writeJson(response, callback, 200, state.retrieve(match.parameter("id"), workspace));
  }

  void delete(
      String workspace, Route.Match match, Request request, Response response, Callback callback) {
    LogsRoutes.writeJson(response, callback, 200, state.delete(match.parameter("id"), workspace));
  }

  void cancel(
      String workspace, Route.Match match, Request request, Response response, Callback callback) {
    LogsRoutes.writeJson(response, callback, 200, state.cancel(match.parameter("id"), workspace));
  }

  /** OpenAI's parameters: {@code limit} (1–100, 20), {@code after}, {@code order} (desc). */
  void inputItems(
      String workspace, Route.Match match, Request request, Response response, Callback callback) {
    Fields query = LogsRoutes.queryFields(request);
    int limit = 20;
    String limitText = query.getValue("limit");
    if (limitText != null) {
      try {
        limit = Integer.parseInt(limitText);
      } catch (NumberFormatException notNumber) {
        throw new InvalidRequestException(
            "'limit' must be a whole number between 1 and 100.", "limit", null);
      }
    }
    String order = query.getValue("order");
    if (order != null && !order.equals("asc") && !order.equals("desc")) {
      throw new InvalidRequestException("'order' must be 'asc' or 'desc'.", "order", null);
    }
    LogsRoutes.writeJson(
        response,
        callback,
        200,
        state.inputItems(
            match.parameter("id"), workspace, limit, query.getValue("after"), "asc".equals(order)));
  }
}
