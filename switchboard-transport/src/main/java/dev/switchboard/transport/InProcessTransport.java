package dev.switchboard.transport;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.Served;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import java.util.UUID;

/**
 * The gateway in this JVM: the engine's pipeline (routing, retries, cache, guardrails, pricing)
 * with no HTTP hop, no JSON written or read between the app and the engine. Served through {@link
 * Gateway#serve}, as the server does, so that a failed request has its facts too (the provider that
 * failed last, the retries), as the remote transport reads them from the error's headers.
 */
final class InProcessTransport implements GatewayTransport {
  private final Gateway gateway;

  InProcessTransport(Gateway gateway) {
    this.gateway = java.util.Objects.requireNonNull(gateway, "gateway");
  }

  @Override
  public GatewayReply chat(ChatRequest request, RequestOptions options) {
    RequestOptions traced = traced(options);
    ChatRequest whole = request.isStreaming() ? request.withStream(null) : request;
    Served.Answered answered = answered(new Operation.Chat(whole), traced);
    return new GatewayReply(
        (ChatCompletion) ((Outcome.Body) answered.outcome()).body(),
        GatewayFacts.of(answered.facts(), traced.traceId()));
  }

  @Override
  public GatewayChunkStream chatStream(ChatRequest request, RequestOptions options) {
    RequestOptions traced = RemoteTransport.withStreamCost(traced(options));
    Served.Answered answered =
        answered(new Operation.Chat(RemoteTransport.withUsage(request)), traced);
    @SuppressWarnings("unchecked")
    ResponseStream<ChatCompletionChunk> stream =
        (ResponseStream<ChatCompletionChunk>) ((Outcome.Events) answered.outcome()).stream();
    GatewayFacts facts = GatewayFacts.of(answered.facts(), traced.traceId());
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

  private Served.Answered answered(Operation operation, RequestOptions options) {
    return switch (gateway.serve(operation, options)) {
      case Served.Answered answered -> answered;
      case Served.Failed failed ->
          throw GatewayCallException.fromEngine(
              failed.error(), GatewayFacts.of(failed.facts(), options.traceId()));
    };
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
        options.defaultOutputGuardrails(),
        options.virtualKey(),
        options.prompt());
  }

  @Override
  public String describe() {
    return "in-process";
  }

  @Override
  public void close() {}
}
