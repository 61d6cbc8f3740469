package dev.switchboard.engine.cache;

import dev.switchboard.engine.providers.ResponseStream;
import java.util.Iterator;
import java.util.List;

/** A stored answer served as a stream of events. */
final class ReplayStream<T> implements ResponseStream<T> {
  private final Iterator<T> events;

  ReplayStream(List<T> events) {
    this.events = List.copyOf(events).iterator();
  }

  @Override
  public T next() {
    return events.hasNext() ? events.next() : null;
  }

  @Override
  public void close() {}
}
