package dev.switchboard.engine.routing;

import dev.switchboard.engine.errors.CircuitOpenException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One circuit breaker per upstream (provider and base URL): after {@code threshold} failures in a
 * row (5xx, 429, timeouts, connection errors; never a client's 4xx) it opens and the gateway stops
 * calling that upstream for {@code openFor}; then one probe is let through (half-open): a success
 * closes the circuit, a failure opens it again. Thread-safe.
 */
public final class CircuitBreakers {
  /** A circuit's state. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /** What the status endpoint shows of one circuit. */
  public record Status(String upstream, State state, int consecutiveFailures, Instant openedAt) {}

  private final int threshold;
  private final Duration openFor;
  private final Clock clock;
  private final Map<String, Circuit> circuits = new ConcurrentHashMap<>();

  public CircuitBreakers(int threshold, Duration openFor, Clock clock) {
    this.threshold = threshold;
    this.openFor = openFor;
    this.clock = clock;
  }

  /**
   * Admits a call to {@code upstream}, or refuses it while the circuit is open.
   *
   * @throws CircuitOpenException when the circuit is open, or half-open with its probe under way
   */
  void admit(String upstream) {
    circuits.computeIfAbsent(upstream, u -> new Circuit()).admit(upstream);
  }

  void succeeded(String upstream) {
    Circuit circuit = circuits.get(upstream);
    if (circuit != null) {
      circuit.succeeded();
    }
  }

  /** Ends an admitted call that did not reach the upstream: a half-open circuit may probe again. */
  void released(String upstream) {
    Circuit circuit = circuits.get(upstream);
    if (circuit != null) {
      circuit.released();
    }
  }

  void failed(String upstream) {
    circuits.computeIfAbsent(upstream, u -> new Circuit()).failed();
  }

  /** Every circuit's state, for the status endpoint and metrics. */
  public List<Status> statuses() {
    return circuits.entrySet().stream()
        .map(e -> e.getValue().status(e.getKey()))
        .sorted(java.util.Comparator.comparing(Status::upstream))
        .toList();
  }

  private final class Circuit {
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private Instant openedAt;
    private boolean probing;

    synchronized void admit(String upstream) {
      if (state == State.OPEN && !clock.instant().isBefore(openedAt.plus(openFor))) {
        state = State.HALF_OPEN;
        probing = false;
      }
      if (state == State.OPEN || (state == State.HALF_OPEN && probing)) {
        throw new CircuitOpenException(
            upstream,
            state == State.OPEN
                ? java.time.Duration.between(clock.instant(), openedAt.plus(openFor))
                : java.time.Duration.ZERO);
      }
      if (state == State.HALF_OPEN) {
        probing = true;
      }
    }

    synchronized void succeeded() {
      state = State.CLOSED;
      consecutiveFailures = 0;
      probing = false;
      openedAt = null;
    }

    synchronized void released() {
      probing = false;
    }

    synchronized void failed() {
      consecutiveFailures++;
      if (state == State.HALF_OPEN || consecutiveFailures >= threshold) {
        state = State.OPEN;
        openedAt = clock.instant();
        probing = false;
      }
    }

    synchronized Status status(String upstream) {
      State shown =
          state == State.OPEN && !clock.instant().isBefore(openedAt.plus(openFor))
              ? State.HALF_OPEN
              : state;
      return new Status(upstream, shown, consecutiveFailures, openedAt);
    }
  }
}
