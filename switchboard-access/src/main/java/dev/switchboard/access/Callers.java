package dev.switchboard.access;

import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who is calling in each request in flight, as the access stage authenticated it: read by the
 * virtual keys (the caller's scopes) and the limits (the caller's subjects) while the rest of the
 * pipeline runs, forgotten when the access stage returns. Keyed by the request's log (identity), as
 * there is one per request whatever copies of the request the stages pass on.
 */
final class Callers {
  /** A caller and the subjects its request is limited as: its workspace, then its key. */
  record Caller(Principal principal, List<Subject> subjects) {}

  private final Map<Journal, Caller> inFlight = new ConcurrentHashMap<>();

  void enter(Request request, Caller caller) {
    inFlight.put(request.journal(), caller);
  }

  void leave(Request request) {
    inFlight.remove(request.journal());
  }

  /** The caller of a request in flight; anonymous when the access stage has not seen it. */
  Caller of(Request request) {
    Caller caller = inFlight.get(request.journal());
    return caller != null ? caller : new Caller(Principal.ANONYMOUS, List.of());
  }
}
