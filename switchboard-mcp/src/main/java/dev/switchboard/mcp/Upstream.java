package dev.switchboard.mcp;

import dev.switchboard.mcp.oauth.AuthorizationRequiredException;
import dev.switchboard.mcp.oauth.BearerSource;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.client.transport.customizer.McpHttpClientAuthorizationErrorHandler;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one connection to an upstream MCP server, kept up by a supervisor on a virtual
 * thread: it connects (a stdio server: starts its process), tells the gateway the server's tools,
 * prompts and resources, waits until the connection breaks (the process exits, a call finds the
 * server gone), then connects again after a back-off that doubles from one second to thirty. Calls
 * made while it is down fail at once with an MCP error naming the server.
 */
final class Upstream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Upstream.class);
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  /** What the gateway is told about an upstream server as it comes and goes. */
  interface Listener {
    /** The server is connected (again) and offers these. */
    void connected(Upstream upstream, Offer offer);

    /** The server's connection broke; its tools stay listed, their calls fail until it is back. */
    void disconnected(Upstream upstream);

    /** A progress notification from the server, for the client whose call it reports on. */
    void progress(McpSchema.ProgressNotification progress);

    /** A progress notification with this token has arrived, to be handed to {@link #progress}. */
    void progressArrived(Object progressToken);

    /**
     * A sampling request from the server (during a tool call), for the client that made the call.
     */
    McpSchema.CreateMessageResult sampling(
        Upstream upstream, McpSchema.CreateMessageRequest request);

    /** An elicitation request from the server, for the client whose tool call it belongs to. */
    McpSchema.ElicitResult elicitation(Upstream upstream, McpSchema.ElicitFormRequest request);

    /** A {@code roots/list} from the server, for the client whose tool call it belongs to. */
    McpSchema.ListRootsResult roots(Upstream upstream);
  }

  /** What a server offers. */
  record Offer(
      List<McpSchema.Tool> tools,
      List<McpSchema.Prompt> prompts,
      List<McpSchema.Resource> resources) {}

  private final UpstreamServer server;
  private final McpJsonMapper json;
  private final Function<String, String> credentials;
  private final Duration callTimeout;
  private final Listener listener;
  private final Runnable beforeConnect;
  private final BearerSource bearer;
  private final Thread supervisor;
  private volatile Connection connection;
  private volatile boolean closed;
  private volatile int restarts;
  private volatile String lastBearer;

  private record Connection(
      McpSyncClient client, CancellableTransport transport, CompletableFuture<Void> broken) {}

  /**
   * @param credentials a virtual key's credential by its name ({@code workspace/slug}), decrypted
   *     for each request
   */
  Upstream(
      UpstreamServer server,
      McpJsonMapper json,
      Function<String, String> credentials,
      Duration callTimeout,
      Listener listener) {
    this(server, json, credentials, callTimeout, listener, () -> {}, null);
  }

  /**
   * @param beforeConnect run before each connection is made; what it throws fails that attempt (a
   *     server declared through the admin API: its host checked against the outbound rules)
   * @param bearer the OAuth access token each request carries (the gateway's, or one caller's for a
   *     per-user server), or {@code null}
   */
  Upstream(
      UpstreamServer server,
      McpJsonMapper json,
      Function<String, String> credentials,
      Duration callTimeout,
      Listener listener,
      Runnable beforeConnect,
      BearerSource bearer) {
    this.bearer = bearer;
    this.server = server;
    this.json = json;
    this.credentials = credentials;
    this.callTimeout = callTimeout;
    this.listener = listener;
    this.beforeConnect = beforeConnect;
    this.supervisor = Thread.ofVirtual().name("mcp-" + server.name()).unstarted(this::supervise);
  }

  void start() {
    supervisor.start();
  }

  String name() {
    return server.name();
  }

  UpstreamServer server() {
    return server;
  }

  boolean connected() {
    return connection != null;
  }

  /**
   * Waits up to {@code timeout} for the first connection (a per-user session made for a call).
   *
   * @return whether it is connected
   */
  boolean awaitConnected(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (connection == null && !closed && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return connection != null;
  }

  /** Whether it was closed (by the gateway, or a caller's session whose token is gone). */
  boolean isClosed() {
    return closed;
  }

  /** Times the connection was made again after it broke or failed to be made. */
  int restarts() {
    return restarts;
  }

  /**
   * Runs {@code call} on the live connection.
   *
   * @throws McpError when the server is down, or went away during the call (which also has the
   *     supervisor connect again)
   */
  <T> T call(Function<McpSyncClient, T> call) {
    Connection live = connection;
    if (live == null) {
      throw unavailable("is not connected (it is being restarted)");
    }
    try {
      return call.apply(live.client());
    } catch (McpError upstreamError) {
      throw upstreamError; // the server answered with an error: passed on as it is
    } catch (RuntimeException failed) {
      live.broken().complete(null);
      throw failedDuring(failed);
    }
  }

  /**
   * Starts a {@code tools/call} on the live connection, on a thread of its own so that it can be
   * given up: see {@link ToolCall}.
   *
   * @throws McpError when the server is down
   */
  ToolCall callTool(McpSchema.CallToolRequest request) {
    Connection live = connection;
    if (live == null) {
      throw unavailable("is not connected (it is being restarted)");
    }
    CompletableFuture<McpSchema.CallToolResult> answer = new CompletableFuture<>();
    Thread caller =
        Thread.ofVirtual()
            .name("mcp-" + server.name() + "-call")
            .start(() -> {
              try {
                answer.complete(live.client().callTool(request));
              } catch (McpError upstreamError) {
                answer.completeExceptionally(upstreamError);
              } catch (RuntimeException failed) {
                // Once cancelled, the interrupted wait ends here: the server is not at fault.
                if (!answer.isDone()) {
                  live.broken().complete(null);
                  answer.completeExceptionally(failedDuring(failed));
                }
              } finally {
                live.transport().done(request);
              }
            });
    return new ToolCall(request, answer, live.transport(), caller);
  }

  /** A {@code tools/call} in flight upstream: awaited by the client's call, or cancelled. */
  static final class ToolCall {
    private final McpSchema.CallToolRequest request;
    private final CompletableFuture<McpSchema.CallToolResult> answer;
    private final CancellableTransport transport;
    private final Thread caller;

    private ToolCall(
        McpSchema.CallToolRequest request,
        CompletableFuture<McpSchema.CallToolResult> answer,
        CancellableTransport transport,
        Thread caller) {
      this.request = request;
      this.answer = answer;
      this.transport = transport;
      this.caller = caller;
    }

    /** The server's answer; an {@link McpError} when it failed or the call was cancelled. */
    McpSchema.CallToolResult await() {
      try {
        return answer.join();
      } catch (CompletionException | CancellationException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        if (cause instanceof RuntimeException runtime) {
          throw runtime;
        }
        throw new IllegalStateException(cause);
      }
    }

    /**
     * Tells the server the call is cancelled ({@code notifications/cancelled}: it may stop) and
     * gives up waiting for it, as the client that made it did.
     */
    void cancel(String reason) {
      if (answer.isDone()) {
        return;
      }
      try {
        transport.cancel(request, reason);
      } catch (RuntimeException unsent) {
        log.debug("a cancellation could not be sent upstream: {}", unsent.toString());
      }
      answer.completeExceptionally(
          McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR)
              .message("The call was cancelled by the client.")
              .build());
      caller.interrupt(); // stops its wait for an answer that will not come
    }
  }

  /**
   * Tells the server that a client's roots changed ({@code notifications/roots/list_changed}), so
   * that one that keeps them asks again; nothing when it is not connected.
   */
  void rootsChanged() {
    Connection live = connection;
    if (live == null) {
      return;
    }
    try {
      live.client().rootsListChangedNotification();
    } catch (RuntimeException unsent) {
      log.debug(
          "MCP server {} was not told the roots changed: {}", server.name(), unsent.toString());
    }
  }

  private static boolean authorizationGone(Throwable failed) {
    for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
      if (cause instanceof AuthorizationRequiredException) {
        return true;
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  private McpError failedDuring(Throwable failed) {
    Throwable root = failed;
    while (root.getCause() != null && root.getCause() != root) {
      if (root instanceof AuthorizationRequiredException) {
        break;
      }
      root = root.getCause();
    }
    if (root instanceof AuthorizationRequiredException required) {
      return UpstreamAuthorizationErrors.required(required);
    }
    return unavailable("failed during the call: " + rootMessage(failed));
  }

  private McpError unavailable(String what) {
    return McpError.builder(McpSchema.ErrorCodes.INTERNAL_ERROR)
        .message("The MCP server '" + server.name() + "' " + what + ".")
        .build();
  }

  private static String rootMessage(Throwable failed) {
    Throwable root = failed;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }

  private void supervise() {
    Duration backoff = FIRST_BACKOFF;
    boolean first = true;
    while (!closed) {
      Connection made;
      try {
        made = connect();
      } catch (RuntimeException failed) {
        if (closed) {
          return;
        }
        if (authorizationGone(failed)) {
          // A caller's session whose token is gone: closed, made again once it authorizes again.
          log.info("MCP server {}: a caller's authorization is gone; its session ends", name());
          closed = true;
          return;
        }
        log.warn(
            "MCP server {} could not be reached: {}; trying again in {} ms",
            server.name(),
            rootMessage(failed),
            backoff.toMillis());
        if (!pause(backoff)) {
          return;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
        first = false;
        continue;
      }
      if (!first) {
        restarts++;
      }
      first = false;
      Offer offer;
      try {
        offer = offer(made.client());
      } catch (RuntimeException failed) {
        log.warn("MCP server {} did not list its tools: {}", server.name(), rootMessage(failed));
        made.client().close();
        if (!pause(backoff)) {
          return;
        }
        continue;
      }
      connection = made;
      backoff = FIRST_BACKOFF;
      log.info("MCP server {} connected: {} tools", server.name(), offer.tools().size());
      listener.connected(this, offer);
      try {
        made.broken().join();
      } catch (RuntimeException interrupted) {
        // closing
      }
      connection = null;
      closeQuietly(made.client());
      if (closed) {
        return;
      }
      listener.disconnected(this);
      log.warn("MCP server {} went away; connecting again", server.name());
    }
  }

  private boolean pause(Duration backoff) {
    try {
      Thread.sleep(backoff);
      return !closed;
    } catch (InterruptedException e) {
      return false;
    }
  }

  private Connection connect() {
    beforeConnect.run();
    CompletableFuture<Void> broken = new CompletableFuture<>();
    McpClientTransport transport = transport();
    CancellableTransport cancellable =
        new CancellableTransport(transport, listener::progressArrived, () -> listener.roots(this));
    McpSyncClient client =
        McpClient.sync(cancellable)
            .clientInfo(new McpSchema.Implementation("switchboard", "0.1.0"))
            .requestTimeout(callTimeout)
            .initializationTimeout(Duration.ofSeconds(30))
            // The gateway relays these (and roots/list, answered by the transport) to the client
            // whose call the server is serving; a client that does not offer them is refused.
            .capabilities(
                McpSchema.ClientCapabilities.builder()
                    .roots(true)
                    .sampling()
                    .elicitation(true, false)
                    .build())
            .sampling(request -> listener.sampling(this, request))
            .elicitation(request -> listener.elicitation(this, request))
            .progressConsumer(listener::progress)
            .toolsChangeConsumer(tools -> refreshLater(broken))
            .build();
    try {
      client.initialize();
    } catch (RuntimeException failed) {
      closeQuietly(client);
      throw failed;
    }
    if (transport instanceof StdioClientTransport stdio) {
      // The process's end breaks the connection: the supervisor starts it again.
      Thread.ofVirtual()
          .name("mcp-" + server.name() + "-exit")
          .start(() -> {
            try {
              stdio.awaitForExit();
            } catch (RuntimeException interrupted) {
              // closing
            }
            broken.complete(null);
          });
    }
    return new Connection(client, cancellable, broken);
  }

  /** A tools/list_changed from the server: listed again (the simplest correct way: reconnect). */
  private void refreshLater(CompletableFuture<Void> broken) {
    Connection live = connection;
    if (live != null && live.broken() == broken) {
      Thread.ofVirtual()
          .start(() -> {
            try {
              listener.connected(this, offer(live.client()));
            } catch (RuntimeException failed) {
              broken.complete(null);
            }
          });
    }
  }

  private Offer offer(McpSyncClient client) {
    McpSchema.ServerCapabilities capabilities = client.getServerCapabilities();
    List<McpSchema.Tool> tools = List.of();
    if (capabilities == null || capabilities.tools() != null) {
      tools = new java.util.ArrayList<>();
      String cursor = null;
      do {
        McpSchema.ListToolsResult page = client.listTools(cursor);
        tools.addAll(page.tools());
        cursor = page.nextCursor();
      } while (cursor != null);
    }
    List<McpSchema.Prompt> prompts =
        capabilities != null && capabilities.prompts() != null
            ? client.listPrompts().prompts()
            : List.of();
    List<McpSchema.Resource> resources =
        capabilities != null && capabilities.resources() != null
            ? client.listResources().resources()
            : List.of();
    return new Offer(List.copyOf(tools), List.copyOf(prompts), List.copyOf(resources));
  }

  private McpClientTransport transport() {
    return switch (server) {
      case UpstreamServer.Http http -> {
        URI url = http.url();
        String base = url.getScheme() + "://" + url.getRawAuthority();
        String endpoint =
            (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        yield HttpClientStreamableHttpTransport.builder(base)
            .endpoint(endpoint)
            .jsonMapper(json)
            .connectTimeout(Duration.ofSeconds(10))
            .httpRequestCustomizer((request, method, uri, body, context) -> {
              http.headers().forEach(request::setHeader);
              if (http.virtualKey() != null) {
                // Decrypted for this request only; never logged, never sent to a client.
                request.setHeader(
                    "Authorization", "Bearer " + credentials.apply(http.virtualKey()));
              }
              if (bearer != null) {
                String token = bearer.bearer();
                lastBearer = token;
                request.setHeader("Authorization", "Bearer " + token);
              }
            })
            // A 401 to a token not yet expired (revoked, rotated): a new one, and the request
            // again.
            .authorizationErrorHandler(
                McpHttpClientAuthorizationErrorHandler.fromSync((response, context) -> {
                  if (bearer == null || response.statusCode() != 401) {
                    return false;
                  }
                  String refused = lastBearer;
                  if (refused != null) {
                    bearer.rejected(refused);
                  }
                  return true;
                }))
            .build();
      }
      case UpstreamServer.Stdio stdio -> {
        StdioClientTransport transport =
            new StdioClientTransport(
                ServerParameters.builder(stdio.command())
                    .args(stdio.args())
                    .env(stdio.env())
                    .build(),
                json);
        Consumer<String> stderr =
            line -> log.info("MCP server {} (stderr): {}", stdio.name(), line);
        transport.setStdErrorHandler(stderr);
        yield transport;
      }
    };
  }

  private static void closeQuietly(McpSyncClient client) {
    try {
      client.closeGracefully();
    } catch (RuntimeException ignored) {
      client.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection live = connection;
    if (live != null) {
      live.broken().complete(null);
    }
    supervisor.interrupt();
    if (live != null) {
      closeQuietly(live.client());
    }
  }
}
