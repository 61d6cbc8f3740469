package dev.switchboard.engine.pipeline;

/**
 * One concern of request handling (authentication, config, guardrails, cache, routing, …). A stage
 * sees the exchange, and either answers it or passes it on with {@link Chain#proceed}, possibly
 * more than once (a retry) or not at all (a cache hit).
 */
@FunctionalInterface
public interface Stage {
  Outcome handle(Exchange exchange, Chain chain);

  /** The rest of the pipeline after a stage. */
  @FunctionalInterface
  interface Chain {
    Outcome proceed(Exchange exchange);
  }
}
