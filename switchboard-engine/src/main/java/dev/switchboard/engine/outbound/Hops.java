package dev.switchboard.engine.outbound;

import dev.switchboard.engine.errors.InvalidRequestException;

/**
 * How the gateway marks its own outgoing calls, so that a call that comes back to it (a custom host
 * that is the gateway, through a load balancer or another replica) is refused instead of making the
 * gateway call itself without end. Every upstream call carries {@value #HEADER}: the number of
 * gateways the request has passed through, this one included; and {@value #MARK_HEADER}: this
 * gateway instance's id. The server refuses a request whose mark is its own, or whose count is at
 * or over {@value #LIMIT}, with 508; the count bounds a chain of different gateways too.
 */
public final class Hops {
  /** The count of gateways a request has passed through. */
  public static final String HEADER = "x-switchboard-hops";

  /** The id of the gateway instance that made the call. */
  public static final String MARK_HEADER = "x-switchboard-gateway";

  /** A request that has passed through this many gateways already is refused. */
  public static final int LIMIT = 5;

  private Hops() {}

  /**
   * The count a request arrived with: 0 without the header.
   *
   * @throws InvalidRequestException when the header is not a whole number of 0 or more
   */
  public static int parse(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      int hops = Integer.parseInt(header.strip());
      if (hops < 0) {
        throw new NumberFormatException();
      }
      return hops;
    } catch (NumberFormatException e) {
      throw new InvalidRequestException(
          HEADER + " must be a whole number of 0 or more.", HEADER, null);
    }
  }
}
