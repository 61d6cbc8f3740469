package dev.switchboard.engine;

/**
 * A complete answer and what the gateway did to get it.
 *
 * @param body the response, a wire-model record
 * @param facts which provider and target served it, retries, cache status, upstream headers
 */
public record GatewayResponse<T>(T body, ResponseFacts facts) {

  /** The provider that served it. */
  public String provider() {
    return facts.provider();
  }
}
