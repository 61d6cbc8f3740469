package dev.switchboard.engine.observe;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Request ids as UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness, so ids sort by
 * time and several gateways writing to one store never collide. Also the ids of the MCP gateway's
 * tool calls (switchboard-mcp), which go into the same log.
 */
public final class RequestIds {
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public RequestIds(Clock clock) {
    this.clock = clock;
  }

  /** A new id, later than any made before by this generator's clock. */
  public String next() {
    long millis = clock.millis();
    long high = (millis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
