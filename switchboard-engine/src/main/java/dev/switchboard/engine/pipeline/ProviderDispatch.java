package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.engine.providers.Target;

/** The end of the pipeline: one call to the chosen target's provider. */
public final class ProviderDispatch implements Stage.Chain {
  private final ProviderRegistry providers;

  public ProviderDispatch(ProviderRegistry providers) {
    this.providers = providers;
  }

  @Override
  public Outcome proceed(Exchange exchange) {
    Target target = exchange.target();
    Provider provider = providers.get(target.provider());
    return switch (exchange.operation()) {
      case Operation.Chat chat ->
          chat.request().isStreaming()
              ? new Outcome.Events(provider.streamChat(chat.request(), target))
              : Outcome.Body.of(provider.chat(chat.request(), target));
      case Operation.TextCompletion completion ->
          completion.request().isStreaming()
              ? new Outcome.Events(provider.streamCompletion(completion.request(), target))
              : Outcome.Body.of(provider.complete(completion.request(), target));
      case Operation.Embedding embedding ->
          Outcome.Body.of(provider.embed(embedding.request(), target));
      case Operation.ListModels models -> Outcome.Body.of(provider.models(target));
      case Operation.Messages messages ->
          messages.streaming()
              ? new Outcome.Events(provider.streamMessages(messages.request(), target))
              : Outcome.Body.of(provider.messages(messages.request(), target));
      case Operation.CountTokens count ->
          Outcome.Body.of(provider.countTokens(count.request(), target));
      case Operation.PassThrough passThrough ->
          new Outcome.Raw(provider.passThrough(passThrough.request(), target));
    };
  }
}
