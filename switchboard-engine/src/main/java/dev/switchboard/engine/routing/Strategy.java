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

  /**
   * {@code loadbalance}: one target picked at random in proportion to its weight; with {@code
   * sticky}, picked once per subject and kept (see {@link Sticky}).
   */
  record LoadBalance(Sticky sticky) implements Strategy {}

  /**
   * A load balancer's {@code sticky}: the arm is chosen by the subject's digest in proportion to
   * the weights, the first time the subject is seen, then stored, so the subject keeps it when the
   * weights change.
   *
   * @param key {@code metadata.<field>} (from {@code x-portkey-metadata}) or {@code api_key} (the
   *     gateway key)
   * @param experiment the name assignments are kept under; {@code null} for the group's path in its
   *     config
   */
  record Sticky(String key, String experiment) {
    /** The key that names the caller's gateway key. */
    public static final String API_KEY = "api_key";

    /** The prefix of a key that names a metadata field. */
    public static final String METADATA = "metadata.";
  }

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
