package dev.switchboard.access;

import dev.switchboard.engine.pipeline.Request;

/**
 * Admits one attempt that uses a virtual key against the virtual key's own rate limits and budget,
 * after the key was resolved and before its credentials are handed to the router. Implemented by
 * the limits; the hold it takes belongs to the request.
 */
@FunctionalInterface
public interface AttemptAdmission {
  /**
   * @throws dev.switchboard.engine.errors.LimitExceededException 429 or 412 when the virtual key's
   *     limit is reached (a fallback may then try another target)
   */
  void admit(Request request, Subject virtualKey);
}
