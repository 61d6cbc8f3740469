package dev.switchboard.engine.errors;

import java.time.Duration;

/**
 * Something the gateway needs to decide about a request cannot be reached (the access store that
 * knows the keys, the ledger that holds the budgets): the request is refused rather than let
 * through unchecked. Answered with 503 and a {@code retry-after}, so SDKs try again. The message
 * names what is down, never a database's own message (it may quote stored values).
 */
public final class GatewayUnavailableException extends GatewayException {
  /** How long a client is told to wait before it tries again. */
  public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  public GatewayUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int status() {
    return 503;
  }
}
