package dev.switchboard.engine.providers;

import java.util.List;
import java.util.Map;

/**
 * A provider's complete answer: the body, and the provider's response headers worth passing back to
 * the client ({@code x-request-id}, rate-limit headers, …).
 */
public record Reply<T>(T body, List<Map.Entry<String, String>> headers) {
  public Reply {
    headers = List.copyOf(headers);
  }

  /** An answer made without an upstream call (the offline provider). */
  public static <T> Reply<T> of(T body) {
    return new Reply<>(body, List.of());
  }
}
