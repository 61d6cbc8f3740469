package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;

/**
 * The guardrails' results for one answered request, as Portkey's {@code hook_results}: the input
 * hooks' results, and the output hooks' once they ran (for a stream, when it ended). The server
 * reads it to choose the status (246 when a hook failed without denying) and, for a stream, to
 * write the results as events when {@code strict_open_ai_compliance} is off.
 */
public final class GuardrailReport {
  private final ArrayNode before;
  private volatile ArrayNode after;
  private volatile boolean failed;
  private final boolean strictOpenAiCompliance;

  GuardrailReport(ArrayNode before, boolean failedBefore, boolean strictOpenAiCompliance) {
    this.before = before.deepCopy();
    this.after = WireJson.mapper().createArrayNode();
    this.failed = failedBefore;
    this.strictOpenAiCompliance = strictOpenAiCompliance;
  }

  void after(ArrayNode results, boolean failedAfter) {
    this.after = results.deepCopy();
    this.failed |= failedAfter;
  }

  /** Whether a hook failed (without denying, or the request would have been refused). */
  public boolean failed() {
    return failed;
  }

  /** Whether the input hooks had results. */
  public boolean hasBefore() {
    return !before.isEmpty();
  }

  /** Whether the output hooks had results. */
  public boolean hasAfter() {
    return !after.isEmpty();
  }

  /**
   * Portkey's {@code strict_open_ai_compliance}: when on (the default), a stream carries no extra
   * events.
   */
  public boolean strictOpenAiCompliance() {
    return strictOpenAiCompliance;
  }

  /** {@code {"before_request_hooks": [...], "after_request_hooks": [...]}}. */
  public ObjectNode hookResults() {
    return hookResults(before, after);
  }

  /** {@code {"before_request_hooks": [...]}}, the event a stream starts with. */
  public ObjectNode beforeOnly() {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("before_request_hooks", before.deepCopy());
    return json;
  }

  /** {@code {"after_request_hooks": [...]}}, the event a stream ends with. */
  public ObjectNode afterOnly() {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("after_request_hooks", after.deepCopy());
    return json;
  }

  static ObjectNode hookResults(ArrayNode before, ArrayNode after) {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("before_request_hooks", before.deepCopy());
    json.set("after_request_hooks", after.deepCopy());
    return json;
  }
}
