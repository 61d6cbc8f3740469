package dev.switchboard.engine.guardrails;

import dev.switchboard.engine.outbound.UpstreamClient;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * What checks that reach out use: the gateway's outbound client (so every webhook, JWKS or URL
 * check goes through the outbound guard, never follows redirects and has a timeout) and the clock.
 */
final class GuardrailServices {
  final UpstreamClient upstream;
  final Clock clock;

  /** JWKS documents by URI, with the instant they expire. */
  final ConcurrentMap<String, Jwt.CachedKeys> jwks = new ConcurrentHashMap<>();

  GuardrailServices(UpstreamClient upstream, Clock clock) {
    this.upstream = upstream;
    this.clock = clock;
  }
}
