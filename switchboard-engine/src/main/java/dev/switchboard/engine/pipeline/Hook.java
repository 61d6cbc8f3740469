package dev.switchboard.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One hook of a config, in Portkey's full form ({@code before_request_hooks} / {@code
 * after_request_hooks}); the shorthand ({@code input_guardrails}, …) is parsed into the same.
 *
 * @param id the hook's id, as written, or {@code input_guardrail_<n>} for a shorthand one
 * @param type a guardrail (verdicts) or a mutator (rewrites the text)
 * @param deny whether a failed verdict refuses the request (446) instead of flagging it (246)
 * @param async whether the hook runs beside the request without holding it; its results are only
 *     logged and counted
 * @param sequential whether checks see the text as earlier checks rewrote it
 * @param onFail Portkey's {@code on_fail} object ({@code feedback}), or {@code null}
 * @param onSuccess Portkey's {@code on_success} object, or {@code null}
 * @param checks the checks, enabled or not
 */
public record Hook(
    String id,
    Type type,
    boolean deny,
    boolean async,
    boolean sequential,
    JsonNode onFail,
    JsonNode onSuccess,
    List<Check> checks) {

  public Hook {
    checks = List.copyOf(checks);
  }

  /** What a hook does with its checks' verdicts. */
  public enum Type {
    GUARDRAIL("guardrail"),
    MUTATOR("mutator");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }

  /**
   * One check of a hook.
   *
   * @param id {@code default.contains}, {@code switchboard.pii}, …
   * @param parameters the check's parameters, as written
   * @param enabled {@code is_enabled}; a disabled check does not run
   */
  public record Check(String id, ObjectNode parameters, boolean enabled) {}
}
