package dev.switchboard.engine.pipeline;

/**
 * The last request stage: turns the request into upstream attempts (the router), each passed
 * through the attempt stages with {@code attempts.proceed}, once, several times (retries,
 * fallbacks) or not at all.
 */
@FunctionalInterface
public interface Routing {
  Outcome route(Request request, AttemptStage.Chain attempts);
}
