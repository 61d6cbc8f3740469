package dev.switchboard.engine.observe;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids as UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then randomness, so ids sort by
 * time and several gateways writing to one store never collide. Also the ids of the MCP gateway's
 * tool calls (switchboard-mcp), which go into the same log.
 *
 * <p>The 74 random bits come from {@link ThreadLocalRandom}, well spread but not cryptographic:
 * {@code SecureRandom} per request, with the trace id's, cost 2 to 3 % of the gateway's CPU under
 * load (issue 18, docs/benchmarks.md). An id names a record; it is no secret and grants nothing:
 * the request log ({@code GET /v1/logs/{id}}, and its search, which lists every id) is the
 * operator's, behind the admin token when one is set and closed when gateway keys are required
 * without one (the server's {@code RouteGate}); the id is on the response and in the log for
 * whoever may read those. RFC 9562 asks for a CSPRNG to make ids hard to guess (its section 6.9),
 * which nothing here relies on; what it relies on, ids that do not collide, needs the bits spread:
 * each thread's generator is seeded apart, and the millisecond leads.
 */
public final class RequestIds {
  private final Clock clock;

  public RequestIds(Clock clock) {
    this.clock = clock;
  }

  /** A new id, later than any made before by this generator's clock. */
  public String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long millis = clock.millis();
    long high = (millis << 16) | 0x7000L | (random.nextInt() & 0x0FFFL);
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
