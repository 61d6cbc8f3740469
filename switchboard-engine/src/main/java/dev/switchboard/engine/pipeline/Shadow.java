package dev.switchboard.engine.pipeline;

/**
 * A shadow request: the replay of a client's request against the shadow target its config names
 * ({@code "shadow": {"target": …, "share": …}}), made by the gateway once the client's request is
 * over, through the same pipeline (admission and the key's scopes, pricing, the router, the
 * guardrails, the attempt's admission, the log). The client never sees it; the limits never charge
 * it.
 *
 * @param primaryId the gateway's id of the client's request it mirrors ({@code
 *     x-switchboard-request-id}), which its record names as {@code shadow_of}
 * @param route where the router sends it: the shadow target and what it inherits where it is
 *     declared
 */
public record Shadow(String primaryId, Route route) {

  /** Where a shadow goes, as the router drew it; opaque to every other stage. */
  public interface Route {}
}
