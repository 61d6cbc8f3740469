package dev.switchboard.access;

import dev.switchboard.engine.pipeline.Exchange;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is calling in each request in flight, as the access stage authenticated it: read by the
 * virtual keys (the caller's scopes) and the limits (the caller's subjects) while the rest of the
 * pipeline runs, forgotten when the access stage returns. Keyed by the exchange itself (identity),
 * as one exchange is one request.
 */
final class Callers {
  /** A caller and the subjects its request is limited as: its workspace, then its key. */
  record Caller(Principal principal, List<Subject> subjects) {}

  private final Map<Exchange, Caller> inFlight = new ConcurrentHashMap<>();

  void enter(Exchange exchange, Caller caller) {
    inFlight.put(exchange, caller);
  }

  void leave(Exchange exchange) {
    inFlight.remove(exchange);
  }

  /** The caller of a request in flight; anonymous when the access stage has not seen it. */
  Caller of(Exchange exchange) {
    Caller caller = inFlight.get(exchange);
    return caller != null ? caller : new Caller(Principal.ANONYMOUS, List.of());
  }
}
