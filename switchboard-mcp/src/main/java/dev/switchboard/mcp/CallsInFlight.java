package dev.switchboard.mcp;

import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.Deque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool calls being relayed, so that what an upstream server sends about one reaches the client
 * that made it, and what the client sends about it reaches the server: progress notifications (the
 * client's progress token is replaced upstream by one of the gateway's, since two clients may pick
 * the same), the client's {@code notifications/cancelled} (by the client's session and request id,
 * which {@link ClientMessages} puts on the call), and requests from the server to the client
 * (sampling, elicitation), which go to the client of the newest call in flight on that server:
 * MCP's server-to-client requests name no call.
 */
final class CallsInFlight {
  private static final Logger log = LoggerFactory.getLogger(CallsInFlight.class);

  /** A call being relayed: its client, the client's progress token, the upstream call. */
  final class Call implements AutoCloseable {
    private final String server;
    private final McpSyncServerExchange exchange;
    private final String clientRequest;
    private final Object clientToken;
    private final String upstreamToken;
    private volatile Upstream.ToolCall upstream;
    private volatile String cancelledFor;
    private double lastProgress = Double.NEGATIVE_INFINITY;
    private long progressArrived;
    private long progressHandled;

    private Call(
        String server, McpSyncServerExchange exchange, String clientRequest, Object clientToken) {
      this.server = server;
      this.exchange = exchange;
      this.clientRequest = clientRequest;
      this.clientToken = clientToken;
      this.upstreamToken = clientToken == null ? null : "switchboard-" + UUID.randomUUID();
    }

    /** The request to send upstream: the client's, its progress token the gateway's own. */
    McpSchema.CallToolRequest upstreamRequest(String tool, McpSchema.CallToolRequest request) {
      Map<String, Object> meta = new java.util.LinkedHashMap<>();
      if (request.meta() != null) {
        meta.putAll(request.meta());
      }
      meta.remove(ClientMessages.REQUEST_KEY);
      if (upstreamToken != null) {
        meta.put("progressToken", upstreamToken);
      }
      return new McpSchema.CallToolRequest(tool, request.arguments(), meta.isEmpty() ? null : meta);
    }

    /** The call as sent upstream; cancelled at once when the client already cancelled it. */
    void relayedAs(Upstream.ToolCall call) {
      this.upstream = call;
      if (cancelledFor != null) {
        call.cancel(cancelledFor);
      }
    }

    /** Whether the client cancelled the call ({@code notifications/cancelled}). */
    boolean cancelled() {
      return cancelledFor != null;
    }

    private void cancel(String reason) {
      cancelledFor = reason == null ? "cancelled by the client" : reason;
      Upstream.ToolCall call = upstream;
      if (call != null) {
        call.cancel(cancelledFor);
      }
    }

    /**
     * Waits (a little, at most) until each progress notification the server sent before its answer
     * has been relayed: the SDK's client hands notifications on from another thread than the
     * answer, and a client drops progress that arrives after its call's result.
     */
    synchronized void awaitProgress() {
      long deadline = System.nanoTime() + PROGRESS_GRACE.toNanos();
      try {
        while (progressHandled < progressArrived) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return;
          }
          TimeUnit.NANOSECONDS.timedWait(this, left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void close() {
      if (clientRequest != null) {
        byClientRequest.remove(clientRequest, this);
      }
      if (upstreamToken != null) {
        byUpstreamToken.remove(upstreamToken);
      }
      callsOf(server).remove(this);
    }
  }

  /** The longest a call's answer waits for its progress notifications to be relayed. */
  private static final Duration PROGRESS_GRACE = Duration.ofSeconds(2);

  private final Map<String, Call> byClientRequest = new ConcurrentHashMap<>();
  private final Map<String, Call> byUpstreamToken = new ConcurrentHashMap<>();
  private final Map<String, Deque<Call>> byServer = new ConcurrentHashMap<>();

  /** Notes a call the client made; closed when it is answered. */
  Call start(String server, McpSyncServerExchange exchange, McpSchema.CallToolRequest request) {
    Map<String, Object> meta = request.meta() == null ? Map.of() : request.meta();
    Object clientRequest = meta.get(ClientMessages.REQUEST_KEY);
    Call call =
        new Call(
            server,
            exchange,
            clientRequest instanceof String known ? known : null,
            meta.get("progressToken"));
    if (call.clientRequest != null) {
      byClientRequest.put(call.clientRequest, call);
    }
    if (call.upstreamToken != null) {
      byUpstreamToken.put(call.upstreamToken, call);
    }
    callsOf(server).addLast(call);
    return call;
  }

  private Deque<Call> callsOf(String server) {
    return byServer.computeIfAbsent(server, name -> new ConcurrentLinkedDeque<>());
  }

  /** A client's {@code notifications/cancelled} for the request {@code clientRequest}. */
  void cancel(String clientRequest, String reason) {
    Call call = byClientRequest.get(clientRequest);
    if (call != null) {
      call.cancel(reason);
    }
  }

  /**
   * An upstream's progress notification has arrived, not yet relayed: counted as the transport
   * reads it, before the answer that follows it, so that the answer waits for it.
   */
  void progressArrived(Object upstreamToken) {
    Call call = byUpstreamToken.get(String.valueOf(upstreamToken));
    if (call != null) {
      synchronized (call) {
        call.progressArrived++;
      }
    }
  }

  /**
   * An upstream's progress notification, to the client whose call it reports on. The SDK's client
   * may hand the gateway a server's notifications out of order; MCP says progress increases with
   * each one, so one that does not (it was overtaken) is dropped rather than sent backwards.
   */
  void progress(McpSchema.ProgressNotification notification) {
    Call call = byUpstreamToken.get(String.valueOf(notification.progressToken()));
    if (call == null) {
      return;
    }
    synchronized (call) {
      try {
        relay(call, notification);
      } finally {
        call.progressHandled++;
        call.notifyAll();
      }
    }
  }

  private static void relay(Call call, McpSchema.ProgressNotification notification) {
    double progress = notification.progress() == null ? 0 : notification.progress();
    if (progress <= call.lastProgress) {
      return;
    }
    call.lastProgress = progress;
    try {
      call.exchange.progressNotification(
          new McpSchema.ProgressNotification(
              call.clientToken,
              notification.progress(),
              notification.total(),
              notification.message(),
              notification.meta()));
    } catch (RuntimeException gone) {
      log.debug("a progress notification found its client gone: {}", gone.toString());
    }
  }

  /** The client of the newest call in flight on {@code server}, for its server's requests. */
  McpSyncServerExchange clientOf(String server, String what) {
    Call call = callsOf(server).peekLast();
    if (call == null) {
      throw McpError.builder(McpSchema.ErrorCodes.INVALID_REQUEST)
          .message("No client call is in flight to relay " + what + " to.")
          .build();
    }
    return call.exchange;
  }
}
