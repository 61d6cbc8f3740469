package dev.switchboard.engine.outbound;

import java.util.Locale;
import java.util.Set;

/**
 * Which client headers a caller may ask the gateway to forward to a provider ({@code
 * x-portkey-forward-headers}, a config's {@code forward_headers}). Refused, whatever the caller
 * lists: Portkey's {@code x-portkey-*} and our {@code x-switchboard-*} (forwarded, they would let a
 * request route the gateway's next call, or forge its hop count), {@code host}, hop-by-hop and
 * framing headers (the outbound client sets those for the bytes it sends), and the credentials the
 * gateway sets itself (a forwarded one would replace or repeat the stored key).
 */
public final class ForwardedHeaders {
  private static final Set<String> NEVER =
      Set.of(
          "host",
          "connection",
          "keep-alive",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "content-length",
          "content-encoding",
          "expect",
          "authorization",
          "x-api-key",
          "api-key",
          "x-goog-api-key");

  private static final java.util.List<String> NEVER_PREFIXES =
      java.util.List.of("x-portkey-", "x-switchboard-", "proxy-", "x-amz-");

  private ForwardedHeaders() {}

  /** Whether a client header of this name may be forwarded to a provider. */
  public static boolean forwardable(String name) {
    String lower = name.strip().toLowerCase(Locale.ROOT);
    if (lower.isEmpty() || NEVER.contains(lower)) {
      return false;
    }
    for (String prefix : NEVER_PREFIXES) {
      if (lower.startsWith(prefix)) {
        return false;
      }
    }
    return true;
  }
}
