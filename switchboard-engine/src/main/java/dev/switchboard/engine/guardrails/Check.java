package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One kind of check, registered in {@link Checks} under its id. A check that cannot decide throws
 * {@link CheckFailure} (or any exception): the hook records the error and follows the check's
 * {@code failOnError} parameter.
 */
@FunctionalInterface
interface Check {
  CheckResult run(CheckContext context, ObjectNode parameters) throws Exception;

  /** A check's parameters or input do not let it decide; the message goes into hook_results. */
  final class CheckFailure extends RuntimeException {
    CheckFailure(String message) {
      super(message, null, false, false);
    }
  }
}
