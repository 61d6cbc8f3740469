package dev.switchboard.engine;

import dev.switchboard.engine.providers.ResponseStream;

/**
 * A streamed answer and what the gateway did to get it. Read it with {@link #next()} until it
 * returns {@code null}; close it to stop early (the upstream call is cancelled).
 */
public final class GatewayStream<T> implements ResponseStream<T> {
  private final ResponseStream<T> events;
  private final ResponseFacts facts;

  GatewayStream(ResponseStream<T> events, ResponseFacts facts) {
    this.events = events;
    this.facts = facts;
  }

  /** The provider that serves this stream. */
  public String provider() {
    return facts.provider();
  }

  /** Which provider and target serve this stream, and the provider's response headers. */
  public ResponseFacts facts() {
    return facts;
  }

  @Override
  public T next() {
    return events.next();
  }

  @Override
  public void close() {
    events.close();
  }
}
