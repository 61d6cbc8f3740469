package dev.switchboard.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 *
 * <p>It also answers the server's {@code roots/list} itself, with what {@code roots} says (the
 * roots of the client whose call the server is serving, asked through the gateway): the SDK's
 * client answers it only from a list fixed when it was built.
 */
final class CancellableTransport implements McpClientTransport {
  private static final Logger log = LoggerFactory.getLogger(CancellableTransport.class);

  private final McpClientTransport transport;
  private final Consumer<Object> progressArrived;
  private final Supplier<McpSchema.ListRootsResult> roots;
  private final Map<McpSchema.CallToolRequest, Object> sent =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /**
   * {@code progressArrived} hears the token of each progress notification as the transport reads
   * it, in the order the server sent it: before the answer that follows, which the SDK's client
   * hands on at once where it hands notifications to another thread.
   *
   * @param roots answers the server's {@code roots/list}; an {@link McpError} it throws is the
   *     server's error answer
   */
  CancellableTransport(
      McpClientTransport transport,
      Consumer<Object> progressArrived,
      Supplier<McpSchema.ListRootsResult> roots) {
    this.transport = transport;
    this.progressArrived = progressArrived;
    this.roots = roots;
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
    return transport.connect(incoming ->
        handler.apply(
            incoming
                .doOnNext(this::arrived)
                .flatMap(message -> {
                  if (message instanceof McpSchema.JSONRPCRequest request
                      && McpSchema.METHOD_ROOTS_LIST.equals(request.method())) {
                    answerRoots(request);
                    return Mono.empty();
                  }
                  return Mono.just(message);
                })));
  }

  /**
   * Answers a {@code roots/list} on a thread of its own: asking the client blocks, and the
   * transport's thread delivers the answers the call in flight is waiting for.
   */
  private void answerRoots(McpSchema.JSONRPCRequest request) {
    Thread.ofVirtual()
        .name("mcp-roots")
        .start(() -> {
          McpSchema.JSONRPCResponse answer;
          try {
            answer = McpSchema.JSONRPCResponse.result(request.id(), roots.get());
          } catch (McpError refused) {
            answer =
                McpSchema.JSONRPCResponse.error(
                    request.id(),
                    refused.getJsonRpcError() != null
                        ? refused.getJsonRpcError()
                        : new McpSchema.JSONRPCResponse.JSONRPCError(
                            McpSchema.ErrorCodes.INTERNAL_ERROR, refused.getMessage(), null));
          } catch (RuntimeException failed) {
            answer =
                McpSchema.JSONRPCResponse.error(
                    request.id(),
                    new McpSchema.JSONRPCResponse.JSONRPCError(
                        McpSchema.ErrorCodes.INTERNAL_ERROR,
                        "The client's roots could not be listed.",
                        null));
          }
          try {
            transport.sendMessage(answer).block();
          } catch (RuntimeException unsent) {
            log.debug("a roots/list answer could not be sent upstream: {}", unsent.toString());
          }
        });
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
