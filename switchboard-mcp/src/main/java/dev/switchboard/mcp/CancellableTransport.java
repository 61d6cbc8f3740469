package dev.switchboard.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The transport to an upstream server, which notes each progress notification as it arrives (so
 * that a call's answer waits until its progress is relayed) and also cancels a {@code tools/call}
 * in flight: the SDK's client sends no {@code notifications/cancelled} of its own and does not tell
 * its caller the JSON-RPC id it gave a request, so this notes the id of each {@code tools/call} as
 * it goes out (the SDK passes the caller's {@link McpSchema.CallToolRequest} as the request's
 * params, the same object) and sends the notification with it (<a
 * href="https://modelcontextprotocol.io/specification/2025-06-18/basic/utilities/cancellation">MCP
 * cancellation</a>).
 */
final class CancellableTransport implements McpClientTransport {
  private final McpClientTransport transport;
  private final Consumer<Object> progressArrived;
  private final Map<McpSchema.CallToolRequest, Object> sent =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /**
   * {@code progressArrived} hears the token of each progress notification as the transport reads
   * it, in the order the server sent it: before the answer that follows, which the SDK's client
   * hands on at once where it hands notifications to another thread.
   */
  CancellableTransport(McpClientTransport transport, Consumer<Object> progressArrived) {
    this.transport = transport;
    this.progressArrived = progressArrived;
  }

  /** Sends {@code notifications/cancelled} for {@code request}, if it went out. */
  void cancel(McpSchema.CallToolRequest request, String reason) {
    Object id = sent.remove(request);
    if (id == null) {
      return;
    }
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("requestId", id);
    if (reason != null) {
      params.put("reason", reason);
    }
    transport
        .sendMessage(
            new McpSchema.JSONRPCNotification(
                McpSchema.JSONRPC_VERSION, "notifications/cancelled", params))
        .block();
  }

  /** Forgets {@code request}'s id once its call is over. */
  void done(McpSchema.CallToolRequest request) {
    sent.remove(request);
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest request
        && request.params() instanceof McpSchema.CallToolRequest call) {
      sent.put(call, request.id());
    }
    return transport.sendMessage(message);
  }

  @Override
  public Mono<Void> connect(
      Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return transport.connect(message -> handler.apply(message.doOnNext(this::arrived)));
  }

  private void arrived(McpSchema.JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCNotification notification
        && McpSchema.METHOD_NOTIFICATION_PROGRESS.equals(notification.method())
        && notification.params() instanceof Map<?, ?> params
        && params.get("progressToken") != null) {
      progressArrived.accept(params.get("progressToken"));
    }
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    transport.setExceptionHandler(handler);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return transport.closeGracefully();
  }

  @Override
  public void close() {
    transport.close();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
    return transport.unmarshalFrom(data, type);
  }

  @Override
  public List<String> protocolVersions() {
    return transport.protocolVersions();
  }
}
