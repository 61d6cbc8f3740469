package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes a client's MCP session good on every gateway of a set ({@link SessionDirectory}): each
 * gateway keeps the sessions it serves in the SDK's transport, in its memory, and this filter, in
 * front of the transport, maps the session id the client was given to the gateway's own. A session
 * opened here is noted in the directory; a request for a session opened elsewhere has it opened
 * here too, by the SDK, from the client's own {@code initialize} parameters as the directory kept
 * them (so the protocol version and the capabilities are what the client negotiated), and the
 * request then goes on under the local session's id; the answer's {@code Mcp-Session-Id}, if any,
 * is the client's again. A session the directory does not know (expired, deleted) answers 404 on
 * every gateway, as MCP's Streamable HTTP transport says, and the client starts a new one.
 *
 * <p>What stays in one gateway: a server's request to the client (sampling, elicitation) waits for
 * the client's answer on the gateway that asked, a cancellation reaches the call only there, and a
 * GET stream's missed messages are replayed only by the gateway that sent them.
 */
final class SharedSessions implements Filter {
  static final String SESSION_HEADER = "Mcp-Session-Id";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SessionDirectory directory;
  private final Map<String, HttpServlet> transports;
  private final long timeoutNanos;

  /** The sessions this gateway serves, by the id their client knows. */
  private final Map<String, Local> local = new ConcurrentHashMap<>();

  /** The client's id of each local session opened for a session opened elsewhere. */
  private final Map<String, String> clientIds = new ConcurrentHashMap<>();

  private final AtomicLong sweptAtNanos = new AtomicLong(System.nanoTime());

  /** A session as this gateway's transport knows it. */
  private static final class Local {
    final String endpoint;
    final String id;
    final AtomicLong usedAtNanos = new AtomicLong(System.nanoTime());

    Local(String endpoint, String id) {
      this.endpoint = endpoint;
      this.id = id;
    }
  }

  /**
   * @param transports the SDK's transport of each endpoint, by its path
   * @param sessionTimeout how long a session may stay idle: the SDK's sweeps drop a local session
   *     idle that long, so a mapping older than that is opened again
   */
  SharedSessions(
      SessionDirectory directory, Map<String, HttpServlet> transports, Duration sessionTimeout) {
    this.directory = directory;
    this.transports = transports;
    this.timeoutNanos = sessionTimeout.toNanos();
  }

  /** The id the client knows for this gateway's session {@code localId}. */
  String clientId(String localId) {
    return localId == null ? null : clientIds.getOrDefault(localId, localId);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (directory == SessionDirectory.NONE
        || !(request instanceof HttpServletRequest http)
        || !(response instanceof HttpServletResponse answer)) {
      chain.doFilter(request, response);
      return;
    }
    sweep();
    String endpoint = http.getRequestURI();
    String id = http.getHeader(SESSION_HEADER);
    if (id == null || id.isBlank()) {
      if ("POST".equals(http.getMethod())) {
        open(endpoint, http, answer, chain);
      } else {
        chain.doFilter(request, response);
      }
      return;
    }
    Local session = local.get(id);
    switch (directory.lookup(id)) {
      case SessionDirectory.Unknown unknown -> {
        if (session != null) {
          forget(id, session, http);
        }
        notFound(answer, id);
        return;
      }
      case SessionDirectory.Unreachable unreachable -> {
        if (session == null) {
          chain.doFilter(request, response); // the transport knows it, or answers 404
          return;
        }
      }
      case SessionDirectory.Known known -> {
        if (!known.session().endpoint().equals(endpoint)) {
          notFound(answer, id);
          return;
        }
        if (session == null || stale(session)) {
          session = reopen(id, known.session(), http);
          if (session == null) {
            notFound(answer, id);
            return;
          }
        }
      }
    }
    session.usedAtNanos.set(System.nanoTime());
    if ("DELETE".equals(http.getMethod())) {
      directory.deleted(id);
      local.remove(id);
      clientIds.remove(session.id);
    }
    chain.doFilter(new AsSession(http, session.id), new AnswerAs(answer, session.id, id));
  }

  /** A POST without a session: an {@code initialize} opens one, noted in the directory. */
  private void open(
      String endpoint, HttpServletRequest http, HttpServletResponse answer, FilterChain chain)
      throws IOException, ServletException {
    byte[] body = http.getInputStream().readAllBytes();
    JsonNode params = initializeParams(body);
    if (params == null) {
      chain.doFilter(new ClientMessages.Body(http, body), answer);
      return;
    }
    SessionHeader opened = new SessionHeader(answer);
    chain.doFilter(new ClientMessages.Body(http, body), opened);
    String id = opened.id;
    if (id != null) {
      local.put(id, new Local(endpoint, id));
      directory.opened(id, new SessionDirectory.Opened(endpoint, params.toString()));
    }
  }

  private static JsonNode initializeParams(byte[] body) {
    try {
      JsonNode message = JSON.readTree(body);
      return message != null
              && "initialize".equals(message.path("method").asText())
              && message.path("params").isObject()
          ? message.get("params")
          : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  /**
   * Opens, in this gateway's transport, the session {@code id} opened elsewhere, with the client's
   * {@code initialize} as the directory kept it; {@code null} when the transport would not.
   */
  private Local reopen(String id, SessionDirectory.Opened opened, HttpServletRequest http)
      throws IOException, ServletException {
    HttpServlet transport = transports.get(opened.endpoint());
    if (transport == null) {
      return null;
    }
    String initialize =
        "{\"jsonrpc\":\"2.0\",\"id\":\"switchboard-reopen\",\"method\":\"initialize\",\"params\":"
            + opened.initializeParams()
            + "}";
    Synthetic request =
        new Synthetic(
            http, opened.endpoint(), "POST", null, initialize.getBytes(StandardCharsets.UTF_8));
    Captured answer = new Captured();
    transport.service(request, answer);
    String localId = answer.headers.get(SESSION_HEADER.toLowerCase(java.util.Locale.ROOT));
    if (answer.status != 200 || localId == null) {
      return null;
    }
    // MCP's initialized notification, as the client sent it when it opened the session.
    transport.service(
        new Synthetic(
            http,
            opened.endpoint(),
            "POST",
            localId,
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"
                .getBytes(StandardCharsets.UTF_8)),
        new Captured());
    Local session = new Local(opened.endpoint(), localId);
    Local previous = local.put(id, session);
    if (previous != null && !previous.id.equals(id)) {
      clientIds.remove(previous.id);
    }
    clientIds.put(localId, id);
    return session;
  }

  /** Closes this gateway's session for {@code id}, which the directory no longer knows. */
  private void forget(String id, Local session, HttpServletRequest http)
      throws IOException, ServletException {
    local.remove(id);
    clientIds.remove(session.id);
    HttpServlet transport = transports.get(session.endpoint);
    if (transport != null) {
      transport.service(
          new Synthetic(http, session.endpoint, "DELETE", session.id, new byte[0]), new Captured());
    }
  }

  private boolean stale(Local session) {
    return System.nanoTime() - session.usedAtNanos.get() >= timeoutNanos;
  }

  /** Drops mappings idle for two session timeouts: the SDK has dropped their sessions already. */
  private void sweep() {
    long now = System.nanoTime();
    long last = sweptAtNanos.get();
    if (now - last < timeoutNanos || !sweptAtNanos.compareAndSet(last, now)) {
      return;
    }
    local
        .entrySet()
        .removeIf(entry -> {
          boolean gone = now - entry.getValue().usedAtNanos.get() >= 2 * timeoutNanos;
          if (gone) {
            clientIds.remove(entry.getValue().id);
          }
          return gone;
        });
  }

  /** 404 with a JSON-RPC error, as the SDK's transport answers a session it does not have. */
  private static void notFound(HttpServletResponse answer, String id) throws IOException {
    answer.setStatus(404);
    answer.setContentType("application/json");
    answer.setCharacterEncoding("UTF-8");
    answer
        .getWriter()
        .write(
            JSON.createObjectNode()
                .put("jsonrpc", "2.0")
                .set(
                    "error",
                    JSON.createObjectNode()
                        .put("code", -32001)
                        .put("message", "Session not found: " + id))
                .toString());
  }

  /** The request under this gateway's id of its session. */
  private static final class AsSession extends HttpServletRequestWrapper {
    private final String localId;

    AsSession(HttpServletRequest request, String localId) {
      super(request);
      this.localId = localId;
    }

    @Override
    public String getHeader(String name) {
      return SESSION_HEADER.equalsIgnoreCase(name) ? localId : super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return SESSION_HEADER.equalsIgnoreCase(name)
          ? Collections.enumeration(List.of(localId))
          : super.getHeaders(name);
    }
  }

  /** The answer, its {@code Mcp-Session-Id} the client's. */
  private static final class AnswerAs extends HttpServletResponseWrapper {
    private final String localId;
    private final String clientId;

    AnswerAs(HttpServletResponse response, String localId, String clientId) {
      super(response);
      this.localId = localId;
      this.clientId = clientId;
    }

    private String mapped(String name, String value) {
      return SESSION_HEADER.equalsIgnoreCase(name) && localId.equals(value) ? clientId : value;
    }

    @Override
    public void setHeader(String name, String value) {
      super.setHeader(name, mapped(name, value));
    }

    @Override
    public void addHeader(String name, String value) {
      super.addHeader(name, mapped(name, value));
    }
  }

  /** The answer to an {@code initialize}, its session id noted on the way. */
  private static final class SessionHeader extends HttpServletResponseWrapper {
    private String id;

    SessionHeader(HttpServletResponse response) {
      super(response);
    }

    @Override
    public void setHeader(String name, String value) {
      if (SESSION_HEADER.equalsIgnoreCase(name)) {
        id = value;
      }
      super.setHeader(name, value);
    }

    @Override
    public void addHeader(String name, String value) {
      setHeader(name, value);
    }
  }

  /**
   * A request the gateway makes of its own transport at {@code endpoint}: {@code method}, with
   * {@code session} as its {@code Mcp-Session-Id} and {@code body}; the client's other headers and
   * the caller (a request attribute) as the client's request has them.
   */
  private static final class Synthetic extends ClientMessages.Body {
    private final String endpoint;
    private final String method;
    private final String session;

    Synthetic(
        HttpServletRequest client, String endpoint, String method, String session, byte[] body) {
      super(client, body);
      this.endpoint = endpoint;
      this.method = method;
      this.session = session;
    }

    @Override
    public String getMethod() {
      return method;
    }

    @Override
    public String getRequestURI() {
      return endpoint;
    }

    @Override
    public String getContentType() {
      return "application/json";
    }

    @Override
    public String getHeader(String name) {
      if (SESSION_HEADER.equalsIgnoreCase(name)) {
        return session;
      }
      if ("Accept".equalsIgnoreCase(name)) {
        return "application/json, text/event-stream";
      }
      if ("Content-Type".equalsIgnoreCase(name)) {
        return "application/json";
      }
      return super.getHeader(name);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      String value = getHeader(name);
      return value == null
          ? Collections.emptyEnumeration()
          : Collections.enumeration(List.of(value));
    }
  }

  /** An answer kept here, never sent: its status, headers and body. */
  private static final class Captured extends HttpServletResponseWrapper {
    private static final HttpServletResponse NOWHERE =
        (HttpServletResponse)
            java.lang.reflect.Proxy.newProxyInstance(
                SharedSessions.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class},
                (proxy, method, args) ->
                    method.getReturnType() == boolean.class
                        ? Boolean.FALSE
                        : method.getReturnType() == int.class
                            ? Integer.valueOf(0)
                            : method.getReturnType() == long.class ? Long.valueOf(0) : null);

    int status = 200;
    final Map<String, String> headers = new ConcurrentHashMap<>();
    final StringWriter body = new StringWriter();

    Captured() {
      super(NOWHERE);
    }

    @Override
    public void setStatus(int code) {
      status = code;
    }

    @Override
    public int getStatus() {
      return status;
    }

    @Override
    public void sendError(int code) {
      status = code;
    }

    @Override
    public void sendError(int code, String message) {
      status = code;
    }

    @Override
    public void setHeader(String name, String value) {
      headers.put(name.toLowerCase(java.util.Locale.ROOT), value);
    }

    @Override
    public void addHeader(String name, String value) {
      setHeader(name, value);
    }

    @Override
    public String getHeader(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public void setContentType(String type) {}

    @Override
    public void setCharacterEncoding(String charset) {}

    @Override
    public void setContentLength(int length) {}

    @Override
    public void setContentLengthLong(long length) {}

    @Override
    public PrintWriter getWriter() {
      return new PrintWriter(body);
    }

    @Override
    public ServletOutputStream getOutputStream() {
      return new ServletOutputStream() {
        @Override
        public void write(int b) {}

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {}
      };
    }

    @Override
    public boolean isCommitted() {
      return false;
    }

    @Override
    public void flushBuffer() {}

    @Override
    public void reset() {}

    @Override
    public void resetBuffer() {}
  }
}
