package dev.switchboard.engine.bridge;

import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The first attempt stage: an attempt that asks an agent API of a provider that does not speak it
 * proceeds as a chat completion, and its answer comes back in the API's format. So the stages below
 * (guardrails, the attempt's admission, the cache) and the provider see a chat request, and every
 * provider serves every API; a provider that speaks the API natively gets the attempt unchanged.
 */
public final class AgentApiBridge implements AttemptStage {
  private final ProviderRegistry providers;

  public AgentApiBridge(ProviderRegistry providers) {
    this.providers = providers;
  }

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    return switch (attempt.operation()) {
      case Operation.Responses responses ->
          serve(
              new ResponsesOverChat(attempt.target().provider(), Clock.systemUTC()),
              responses,
              attempt,
              chain);
      case Operation.Messages messages -> {
        MessagesOverChat api =
            new MessagesOverChat(
                attempt.target().provider(), messages.request().path("model").asText(null));
        yield api.noteDropped(serve(api, messages, attempt, chain));
      }
      default -> chain.proceed(attempt);
    };
  }

  /** Serves {@code asked} through {@code api}, natively or over chat completions. */
  @SuppressWarnings("unchecked")
  private <O extends Operation> Outcome serve(
      OverChat<O> api, O asked, Attempt attempt, Chain chain) {
    if (api.servedNatively(providers.get(attempt.target().provider()).capabilities())) {
      return chain.proceed(attempt);
    }
    Outcome answered = chain.proceed(attempt.withOperation(new Operation.Chat(api.request(asked))));
    return switch (answered) {
      case Outcome.Body body -> {
        Object translated = api.answer((ChatCompletion) body.body(), asked);
        List<Map.Entry<String, String>> own = api.headers(asked);
        yield own.isEmpty()
            ? body.withBody(translated)
            : new Outcome.Body(translated, concat(body.headers(), own), body.origin());
      }
      case Outcome.Events events ->
          events.withStream(
              api.stream((ResponseStream<ChatCompletionChunk>) events.stream(), asked));
      case Outcome.Raw raw -> raw;
    };
  }

  private static List<Map.Entry<String, String>> concat(
      List<Map.Entry<String, String>> first, List<Map.Entry<String, String>> then) {
    List<Map.Entry<String, String>> all = new ArrayList<>(first);
    all.addAll(then);
    return all;
  }
}
