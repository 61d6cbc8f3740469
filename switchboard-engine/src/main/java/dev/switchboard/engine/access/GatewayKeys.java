package dev.switchboard.engine.access;

/**
 * What a gateway key looks like: {@value #PREFIX} and random characters. The prefix tells it apart
 * from a provider's key, so a client may send it as {@code Authorization: Bearer} where no provider
 * key is needed there (a virtual key or a config carries it).
 */
public final class GatewayKeys {
  /** Every gateway key starts so; no provider's key does. */
  public static final String PREFIX = "sbk-";

  private GatewayKeys() {}

  /** Whether a bearer token is meant as a gateway key rather than a provider's key. */
  public static boolean looksLikeGatewayKey(String token) {
    return token != null && token.startsWith(PREFIX);
  }
}
