package dev.switchboard.transport;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewayResponse;
import dev.switchboard.engine.GatewayStream;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import java.util.UUID;

/**
 * The gateway in this JVM: the engine's pipeline (routing, retries, cache, guardrails, pricing)
 * with no HTTP hop, no JSON written or read between the app and the engine.
 */
final class InProcessTransport implements GatewayTransport {
  private final Gateway gateway;

  InProcessTransport(Gateway gateway) {
    this.gateway = java.util.Objects.requireNonNull(gateway, "gateway");
  }

  @Override
  public GatewayReply chat(ChatRequest request, RequestOptions options) {
    RequestOptions traced = traced(options);
    try {
      GatewayResponse<ChatCompletion> response = gateway.chat(request, traced);
      return new GatewayReply(response.body(), GatewayFacts.of(response.facts(), traced.traceId()));
    } catch (GatewayException error) {
      throw GatewayCallException.fromEngine(error, failedFacts(traced));
    }
  }

  @Override
  public GatewayChunkStream chatStream(ChatRequest request, RequestOptions options) {
    RequestOptions traced = traced(options);
    GatewayStream<ChatCompletionChunk> stream;
    try {
      stream = gateway.chatStream(RemoteTransport.withUsage(request), traced);
    } catch (GatewayException error) {
      throw GatewayCallException.fromEngine(error, failedFacts(traced));
    }
    GatewayFacts facts = GatewayFacts.of(stream.facts(), traced.traceId());
    return new GatewayChunkStream(
        new GatewayChunkStream.Source() {
          @Override
          public ChatCompletionChunk next() {
            try {
              return stream.next();
            } catch (GatewayException error) {
              throw GatewayCallException.fromEngine(error, facts);
            }
          }

          @Override
          public void close() {
            stream.close();
          }
        },
        facts);
  }

  /** The engine does not tell the facts of a failed request; the trace id is known. */
  private static GatewayFacts failedFacts(RequestOptions options) {
    return new GatewayFacts(null, null, null, null, null, null, options.traceId());
  }

  /** As the server does: every request has a trace id, the caller's or a new one. */
  private static RequestOptions traced(RequestOptions options) {
    if (options.traceId() != null && !options.traceId().isBlank()) {
      return options;
    }
    return new RequestOptions(
        options.provider(),
        options.apiKey(),
        options.customHost(),
        UUID.randomUUID().toString(),
        options.metadata(),
        options.forwardHeaders(),
        options.requestTimeout(),
        options.config(),
        options.requestHeaders(),
        options.providerOptions(),
        options.gatewayKey(),
        options.cacheNamespace(),
        options.cacheForceRefresh(),
        options.defaultInputGuardrails(),
        options.defaultOutputGuardrails());
  }

  @Override
  public String describe() {
    return "in-process";
  }

  @Override
  public void close() {}
}
