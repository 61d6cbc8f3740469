package dev.switchboard.server;

import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before the gateway's handler runs (a header too large, a malformed request
 * line, a rejection while shutting down) in the gateway's error shape, not as an HTML page.
 */
final class JsonErrorHandler implements Request.Handler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status =
        request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer code
            ? code
            : response.getStatus() >= 400 ? response.getStatus() : 500;
    String message = HttpStatus.getMessage(status);
    var error =
        ErrorResponses.gateway(
            status, message, status >= 500 ? "api_error" : "invalid_request_error", null);
    byte[] body = WireJson.write(error.body());
    response.setStatus(status);
    error.headers().forEach((name, value) -> response.getHeaders().put(name, value));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }
}
