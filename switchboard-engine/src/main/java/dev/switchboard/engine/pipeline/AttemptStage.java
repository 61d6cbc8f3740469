package dev.switchboard.engine.pipeline;

/**
 * One concern of handling an upstream attempt (guardrails, the attempt's authorization, the cache),
 * run once per attempt after the router built it. A stage sees the {@link Attempt}, and either
 * answers it (a cache hit) or passes it on with {@link Chain#proceed}, the attempt itself or a
 * changed copy ({@link Attempt#withOperation}). Its facts go into the attempt's {@link
 * AttemptEntry}; facts for the stages above come back in the {@link Outcome} ({@link
 * Outcome.Origin}). The chain ends at the provider's call ({@link ProviderDispatch}).
 */
@FunctionalInterface
public interface AttemptStage {
  Outcome handle(Attempt attempt, Chain chain);

  /** The rest of the attempt stages after a stage. */
  @FunctionalInterface
  interface Chain {
    Outcome proceed(Attempt attempt);
  }
}
