package dev.switchboard.engine;

import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.pipeline.Outcome;

/**
 * How the gateway served one request, as a value: an outcome or an error, each with the facts of
 * what was done. The server maps it to a response in one place.
 */
public sealed interface Served {
  ResponseFacts facts();

  /** The request was answered: a body, a stream or a raw provider response. */
  record Answered(Outcome outcome, ResponseFacts facts) implements Served {}

  /** The request failed with a gateway error. */
  record Failed(GatewayException error, ResponseFacts facts) implements Served {}
}
