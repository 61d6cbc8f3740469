package dev.switchboard.engine.pipeline;

/**
 * One concern of handling a request as a whole (observation, admission and limits, pricing). A
 * stage sees the {@link Request}, and either answers it or passes it on with {@link Chain#proceed}
 * (the request itself, or a changed copy). Its facts go into the request's {@link Journal}; facts
 * for the stages above come back in the {@link Outcome}. The request stages end at the router
 * ({@link Routing}), whose inner chain is the attempt pipeline ({@link AttemptStage}).
 */
@FunctionalInterface
public interface Stage {
  Outcome handle(Request request, Chain chain);

  /** The rest of the request stages after a stage. */
  @FunctionalInterface
  interface Chain {
    Outcome proceed(Request request);
  }
}
