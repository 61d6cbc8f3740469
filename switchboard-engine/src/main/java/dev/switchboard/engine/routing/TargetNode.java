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

  /**
   * A node's {@code shadow} (ours; Portkey's config has none): once a request this node routes is
   * over, the gateway replays it against {@code target} for a {@code share} of requests, its answer
   * logged beside the client's and never shown to the client.
   *
   * @param target the shadow target, walked as a child of the node that declares it (it inherits
   *     what a child would, its guardrails among them, and may set none of its own)
   * @param share the share of the node's requests mirrored, 0 to 1
   */
  public record ShadowTarget(TargetNode target, double share) {}

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
   * @param shadow the node's {@code shadow}: a target a share of its requests is replayed against;
   *     {@code null} for none
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
      Map<String, JsonNode> extras,
      ShadowTarget shadow) {

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
