package dev.switchboard.engine.pipeline;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.wire.WireJson;

/**
 * The guardrails' results for one attempt, as Portkey's {@code hook_results}: the input hooks'
 * results, and the output hooks' once they ran (for a stream, when it ended). The guardrail stage
 * writes it on its attempt's {@link AttemptEntry}; the response's facts and the request's record
 * read the verdict from it ({@link #successStatus}, {@link #verdict}, the one place either is
 * decided), and the server, for a stream, writes the results as events when {@code
 * strict_open_ai_compliance} is off.
 *
 * <p>Plain data (Jackson nodes), in {@code pipeline} because the request's log carries it; the
 * guardrails package runs the hooks that fill it.
 */
public final class GuardrailReport {
  private final ArrayNode before;
  private volatile ArrayNode after;
  private volatile boolean failed;
  private final boolean strictOpenAiCompliance;

  public GuardrailReport(ArrayNode before, boolean failedBefore, boolean strictOpenAiCompliance) {
    this.before = before.deepCopy();
    this.after = WireJson.mapper().createArrayNode();
    this.failed = failedBefore;
    this.strictOpenAiCompliance = strictOpenAiCompliance;
  }

  /** The output hooks' results, once they ran. */
  public void after(ArrayNode results, boolean failedAfter) {
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

  /**
   * The ids of the output checks that failed (verdict false), sorted, each once: what the request
   * log keeps of the output hooks, for eval-fail and schema-failure rates. Never a check's data.
   */
  public java.util.SortedSet<String> failedOutputChecks() {
    java.util.SortedSet<String> failed = new java.util.TreeSet<>();
    after.forEach(hook ->
        hook.path("checks")
            .forEach(check -> {
              if (check.path("verdict").isBoolean() && !check.path("verdict").asBoolean()) {
                failed.add(check.path("id").asText());
              }
            }));
    return failed;
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

  /**
   * The status of an answer the guardrails let through: 200, or Portkey's 246 when a hook of {@code
   * report} (or {@code null}: none ran) failed without denying.
   */
  public static int successStatus(GuardrailReport report) {
    return report != null && report.failed() ? 246 : 200;
  }

  /**
   * The guardrails' verdict on a request answered with {@code status}: {@code denied} (446), {@code
   * failed}, {@code passed}, or {@code null} when no hook ran. Never a check's data, which quotes
   * the text.
   */
  public static String verdict(GuardrailReport report, int status) {
    if (status == GuardrailDeniedException.STATUS) {
      return "denied";
    }
    return report == null ? null : report.failed() ? "failed" : "passed";
  }

  /** {@code {"before_request_hooks": [...], "after_request_hooks": [...]}}. */
  public static ObjectNode hookResults(ArrayNode before, ArrayNode after) {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("before_request_hooks", before.deepCopy());
    json.set("after_request_hooks", after.deepCopy());
    return json;
  }
}
