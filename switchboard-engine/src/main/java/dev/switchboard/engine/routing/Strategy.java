package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** How a group of targets is tried: Portkey's {@code strategy.mode}. */
public sealed interface Strategy {

  /** {@code single}: the first target. */
  record Single() implements Strategy {}

  /**
   * {@code fallback}: the targets in order, moving on when one fails with a status in {@code
   * onStatusCodes} (any non-2xx when it is {@code null}, except a guardrail's 446, which only a
   * listed 446 moves past), a timeout or a connection error.
   */
  record Fallback(Set<Integer> onStatusCodes) implements Strategy {}

  /** {@code loadbalance}: one target picked at random in proportion to its weight. */
  record LoadBalance() implements Strategy {}

  /**
   * {@code conditional}: the target named by the first condition whose query matches the request's
   * metadata and params, else the {@code default} target.
   */
  record Conditional(List<Condition> conditions, String defaultTarget) implements Strategy {
    public Conditional {
      conditions = List.copyOf(conditions);
    }
  }

  /** One {@code {"query": {...}, "then": "target-name"}}. */
  record Condition(JsonNode query, String then) {}
}
