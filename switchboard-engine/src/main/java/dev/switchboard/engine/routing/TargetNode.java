package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One node of a parsed routing config: a group of targets with a strategy, or a leaf that names a
 * provider. {@code path} is Portkey's name for it: {@code config}, {@code config.targets[1]}, …
 */
public sealed interface TargetNode {
  String path();

  Settings settings();

  /** A provider to call. */
  record Leaf(String path, Settings settings) implements TargetNode {}

  /** Targets tried by a strategy. */
  record Group(String path, Strategy strategy, List<TargetNode> targets, Settings settings)
      implements TargetNode {
    public Group {
      targets = List.copyOf(targets);
    }
  }

  /**
   * What a node sets; {@code null} where it sets nothing (and may inherit from its parent).
   *
   * @param weight the load-balancing weight; 1 when not set
   * @param hooks the guardrail and hook fields, kept as sent for the guardrails stage
   * @param extras every other field, kept as sent
   */
  record Settings(
      String name,
      double weight,
      String provider,
      String apiKey,
      String virtualKey,
      String customHost,
      ObjectNode overrideParams,
      RetryPolicy retry,
      JsonNode cache,
      Duration requestTimeout,
      List<String> forwardHeaders,
      Map<String, JsonNode> hooks,
      Map<String, JsonNode> extras) {

    public Settings {
      forwardHeaders = forwardHeaders == null ? null : List.copyOf(forwardHeaders);
      hooks = Map.copyOf(hooks);
      extras = Map.copyOf(extras);
    }

    /** Secrets stay out of logs. */
    @Override
    public String toString() {
      return "Settings[name="
          + name
          + ", provider="
          + provider
          + ", apiKey="
          + (apiKey == null ? "none" : "redacted")
          + "]";
    }
  }
}
