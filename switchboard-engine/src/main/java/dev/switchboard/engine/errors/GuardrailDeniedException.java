package dev.switchboard.engine.errors;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A guardrail hook with {@code deny: true} failed: the request is answered with Portkey's status
 * 446 and its {@code hook_results}, before any provider call (an input hook) or instead of the
 * provider's answer (an output hook). A config may retry or fall back on it by listing 446 in its
 * {@code on_status_codes}.
 */
public final class GuardrailDeniedException extends GatewayException {
  /** Portkey's status for a request its guardrails denied. */
  public static final int STATUS = 446;

  private final ObjectNode hookResults;

  /**
   * @param hookResults Portkey's {@code hook_results}: {@code before_request_hooks} and {@code
   *     after_request_hooks}
   */
  public GuardrailDeniedException(ObjectNode hookResults) {
    super(
        "The guardrail checks defined in the config failed. You can find more information in the"
            + " `hook_results` object.",
        null);
    this.hookResults = hookResults.deepCopy();
  }

  /** Portkey's {@code hook_results} object, a copy. */
  public ObjectNode hookResults() {
    return hookResults.deepCopy();
  }

  @Override
  public int status() {
    return STATUS;
  }
}
