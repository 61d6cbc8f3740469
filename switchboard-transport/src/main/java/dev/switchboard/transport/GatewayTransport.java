package dev.switchboard.transport;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatRequest;
import java.net.URI;

/**
 * How an integration reaches the gateway: {@linkplain #remote over HTTP} to a running Switchboard
 * server, or {@linkplain #inProcess in-process} through an engine {@link Gateway}, with no HTTP
 * hop. Both take OpenAI's wire model and the per-request options the server reads from Portkey's
 * headers ({@link RequestOptions}); both give the same answers, the same {@link GatewayFacts} and
 * the same errors ({@link GatewayCallException}, with the status the server answers).
 *
 * <p>Thread-safe; build one per gateway and share it.
 */
public sealed interface GatewayTransport extends AutoCloseable
    permits RemoteTransport, InProcessTransport {

  /** A chat completion, answered whole. */
  GatewayReply chat(ChatRequest request, RequestOptions options);

  /**
   * A chat completion as a stream of chunks; the usage chunk (which carries the cost) is asked for.
   * Close the stream to stop early: the upstream call is cancelled.
   */
  GatewayChunkStream chatStream(ChatRequest request, RequestOptions options);

  /** Where requests go, for logs and errors: the base URL, or {@code in-process}. */
  String describe();

  /** Releases the HTTP client; an in-process transport leaves its gateway open (its owner's). */
  @Override
  void close();

  /**
   * A transport to the gateway server at {@code baseUrl}, e.g. {@code http://127.0.0.1:8787} (with
   * or without {@code /v1}).
   */
  static RemoteTransport.Builder remote(URI baseUrl) {
    return RemoteTransport.builder(baseUrl);
  }

  /** A transport through {@code gateway}, in this JVM. The gateway stays its owner's to close. */
  static GatewayTransport inProcess(Gateway gateway) {
    return new InProcessTransport(gateway);
  }
}
