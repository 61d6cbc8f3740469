package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;

/**
 * Times the listings a client asks an MCP endpoint for ({@code tools/list}, {@code prompts/list},
 * {@code resources/list}), which the SDK's server answers itself, and records each for the metrics
 * and traces ({@link ToolCalls#listed}): the SDK's transport answers a request before its servlet
 * returns, so the time around the filter chain is the listing's, and the answer it writes says
 * whether it was an error. Only the answer's first few kilobytes are kept to read that: an error is
 * short, a long answer is a list.
 */
final class Listings implements Filter {
  static final Set<String> METHODS = Set.of("tools/list", "prompts/list", "resources/list");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KEPT = 8 * 1024;

  private final ToolCalls calls;
  private final Clock clock = Clock.systemUTC();

  Listings(ToolCalls calls) {
    this.calls = calls;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest http)
        || !(response instanceof HttpServletResponse answer)
        || !"POST".equals(http.getMethod())) {
      chain.doFilter(request, response);
      return;
    }
    byte[] body = http.getInputStream().readAllBytes();
    ClientMessages.Body again = new ClientMessages.Body(http, body);
    JsonNode message = listing(body);
    if (message == null) {
      chain.doFilter(again, response);
      return;
    }
    Instant startedAt = clock.instant();
    long startNanos = System.nanoTime();
    Kept kept = new Kept(answer);
    chain.doFilter(again, kept);
    String uri = http.getRequestURI();
    String prefix = McpGateway.PATH + "/";
    Object caller = http.getAttribute(McpCaller.ATTRIBUTE);
    JsonNode traceparent = message.path("params").path("_meta").path("traceparent");
    calls.listed(
        message.get("method").asText(),
        uri,
        uri.startsWith(prefix) ? uri.substring(prefix.length()) : null,
        caller instanceof McpCaller known ? known : McpCaller.ANONYMOUS,
        answer.getHeader("Mcp-Session-Id") != null
            ? answer.getHeader("Mcp-Session-Id")
            : http.getHeader("Mcp-Session-Id"),
        traceparent.isTextual() ? traceparent.asText() : null,
        startedAt,
        startNanos,
        errorCode(kept.text.toString()));
  }

  /** The listing request a POST's body holds, or {@code null}. */
  private static JsonNode listing(byte[] body) {
    try {
      JsonNode message = JSON.readTree(body);
      return message != null
              && message.isObject()
              && message.hasNonNull("id")
              && METHODS.contains(message.path("method").asText())
          ? message
          : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  /** The JSON-RPC error code of the answer (JSON, or the SSE event holding it), or null. */
  private static Integer errorCode(String answer) {
    for (String line : answer.split("\n")) {
      String data = line.startsWith("data:") ? line.substring(5).strip() : line.strip();
      if (!data.startsWith("{")) {
        continue;
      }
      try {
        JsonNode message = JSON.readTree(data);
        if (message.path("error").isObject()) {
          return message.path("error").path("code").asInt();
        }
      } catch (IOException cut) {
        // More than was kept: a long answer, which is a list.
      }
    }
    return null;
  }

  /** The response, its writer's first {@link #KEPT} characters kept as they are written. */
  private static final class Kept extends HttpServletResponseWrapper {
    final StringBuilder text = new StringBuilder();
    private PrintWriter writer;

    Kept(HttpServletResponse response) {
      super(response);
    }

    @Override
    public synchronized PrintWriter getWriter() throws IOException {
      if (writer == null) {
        Writer real = super.getWriter();
        writer =
            new PrintWriter(
                new Writer() {
                  @Override
                  public void write(char[] chars, int offset, int length) throws IOException {
                    real.write(chars, offset, length);
                    synchronized (text) {
                      int room = KEPT - text.length();
                      if (room > 0) {
                        text.append(chars, offset, Math.min(room, length));
                      }
                    }
                  }

                  @Override
                  public void flush() throws IOException {
                    real.flush();
                  }

                  @Override
                  public void close() throws IOException {
                    real.close();
                  }
                });
      }
      return writer;
    }
  }
}
