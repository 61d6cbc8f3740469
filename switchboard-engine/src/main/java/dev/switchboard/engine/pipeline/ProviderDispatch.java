package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.engine.providers.Target;

/** The end of the attempt pipeline: one call to the attempt's target's provider. */
public final class ProviderDispatch implements AttemptStage.Chain {
  private final ProviderRegistry providers;

  public ProviderDispatch(ProviderRegistry providers) {
    this.providers = providers;
  }

  @Override
  public Outcome proceed(Attempt attempt) {
    Target target = attempt.target();
    Provider provider = providers.get(target.provider());
    return switch (attempt.operation()) {
      case Operation.Chat chat ->
          chat.request().isStreaming()
              ? events(provider.streamChat(chat.request(), target), attempt)
              : Outcome.Body.of(provider.chat(chat.request(), target), attempt);
      case Operation.TextCompletion completion ->
          completion.request().isStreaming()
              ? events(provider.streamCompletion(completion.request(), target), attempt)
              : Outcome.Body.of(provider.complete(completion.request(), target), attempt);
      case Operation.Embedding embedding ->
          Outcome.Body.of(provider.embed(embedding.request(), target), attempt);
      case Operation.ListModels models -> Outcome.Body.of(provider.models(target), attempt);
      case Operation.Messages messages ->
          messages.streaming()
              ? events(provider.streamMessages(messages.request(), target), attempt)
              : Outcome.Body.of(provider.messages(messages.request(), target), attempt);
      case Operation.Responses responses ->
          responses.streaming()
              ? events(provider.streamResponses(responses.request(), target), attempt)
              : Outcome.Body.of(provider.responses(responses.request(), target), attempt);
      case Operation.CountTokens count ->
          Outcome.Body.of(provider.countTokens(count.request(), target), attempt);
      case Operation.PassThrough passThrough ->
          new Outcome.Raw(
              provider.passThrough(passThrough.request(), target),
              Outcome.Origin.provider(attempt));
    };
  }

  private static Outcome events(
      dev.switchboard.engine.providers.ResponseStream<?> stream, Attempt attempt) {
    return new Outcome.Events(stream, Outcome.Origin.provider(attempt));
  }
}
