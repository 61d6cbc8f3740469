package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads what a client posts to an MCP endpoint before the SDK's transport does, for the two things
 * the SDK's server does not hand its handlers: each {@code tools/call} gets the client's session
 * and JSON-RPC id in its {@code _meta} (as {@link #REQUEST_KEY}, taken off again before the call
 * goes upstream), and a {@code notifications/cancelled} naming that id cancels the call ({@link
 * CallsInFlight#cancel}). A client's {@code notifications/roots/list_changed} is told to the
 * servers behind its endpoint ({@code rootsChanged}). Everything is then passed on as it came.
 */
final class ClientMessages implements Filter {
  /** The {@code _meta} key of a call's client request: {@code <session> <JSON-RPC id>}. */
  static final String REQUEST_KEY = "dev.switchboard/client-request";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SESSION_HEADER = "Mcp-Session-Id";

  private final CallsInFlight calls;
  private final Consumer<String> rootsChanged;

  /**
   * @param rootsChanged told the server of the endpoint a client's roots changed at ({@code null}:
   *     the aggregated endpoint, every server)
   */
  ClientMessages(CallsInFlight calls, Consumer<String> rootsChanged) {
    this.calls = calls;
    this.rootsChanged = rootsChanged;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest http) || !"POST".equals(http.getMethod())) {
      chain.doFilter(request, response);
      return;
    }
    byte[] body = http.getInputStream().readAllBytes();
    String session = http.getHeader(SESSION_HEADER);
    if (session != null) {
      body = read(session, body, http.getRequestURI());
    }
    chain.doFilter(new Body(http, body), response);
  }

  /** Notes the calls and cancellations of a POST's body; returns the body to pass on. */
  private byte[] read(String session, byte[] body, String path) {
    JsonNode messages;
    try {
      messages = JSON.readTree(body);
    } catch (IOException notJson) {
      return body; // the transport answers it
    }
    boolean tagged = false;
    for (JsonNode message : messages.isArray() ? messages : java.util.List.of(messages)) {
      String method = message.path("method").asText();
      if ("tools/call".equals(method)
          && message.hasNonNull("id")
          && message.path("params").isObject()) {
        ObjectNode params = (ObjectNode) message.get("params");
        ObjectNode meta =
            params.path("_meta").isObject()
                ? (ObjectNode) params.get("_meta")
                : params.putObject("_meta");
        meta.put(REQUEST_KEY, session + " " + message.get("id"));
        tagged = true;
      } else if ("notifications/cancelled".equals(method)) {
        JsonNode params = message.path("params");
        if (params.hasNonNull("requestId")) {
          calls.cancel(
              session + " " + params.get("requestId"),
              params.path("reason").isTextual() ? params.get("reason").asText() : null);
        }
      } else if ("notifications/roots/list_changed".equals(method)) {
        String prefix = McpGateway.PATH + "/";
        rootsChanged.accept(
            path.startsWith(prefix) ? path.substring(prefix.length()).replace("/", "") : null);
      }
    }
    try {
      return tagged ? JSON.writeValueAsBytes(messages) : body;
    } catch (IOException unwritable) {
      return body;
    }
  }

  /** The request with its body read already. */
  static class Body extends HttpServletRequestWrapper {
    private final byte[] body;

    Body(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream bytes = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return bytes.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
          return bytes.read(buffer, offset, length);
        }

        @Override
        public boolean isFinished() {
          return bytes.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the body is read already");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(
          new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
    }
  }
}
