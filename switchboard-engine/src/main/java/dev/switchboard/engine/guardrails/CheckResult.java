package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What a check found.
 *
 * @param verdict whether the text passed
 * @param error why the check could not decide, or {@code null}; the hook then follows the check's
 *     {@code failOnError}
 * @param data the check's explanation and findings, as Portkey's plugins write them
 * @param transformed the texts rewritten, one per content part, or {@code null} when unchanged
 * @param replacement the whole request (or answer) rewritten, or {@code null}
 */
record CheckResult(
    boolean verdict,
    String error,
    ObjectNode data,
    List<String> transformed,
    ObjectNode replacement) {

  static CheckResult of(boolean verdict, ObjectNode data) {
    return new CheckResult(verdict, null, data, null, null);
  }

  static CheckResult failed(String error, ObjectNode data) {
    return new CheckResult(false, error, data, null, null);
  }

  boolean isTransformed() {
    return transformed != null || replacement != null;
  }
}
