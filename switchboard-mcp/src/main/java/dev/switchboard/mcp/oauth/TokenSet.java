package dev.switchboard.mcp.oauth;

import java.time.Instant;

/**
 * The tokens an authorization server issued for an upstream MCP server: never written to a log
 * ({@link #toString()} names no token).
 *
 * @param accessToken sent as {@code Authorization: Bearer} to the MCP server
 * @param refreshToken exchanged for a new access token when it expires, or {@code null}
 * @param expiresAt when the access token expires, or {@code null} when the server did not say
 */
public record TokenSet(String accessToken, String refreshToken, Instant expiresAt) {

  /** Whether the access token expires before {@code now} plus {@code margin}. */
  boolean expiresBefore(Instant instant) {
    return expiresAt != null && !expiresAt.isAfter(instant);
  }

  @Override
  public String toString() {
    return "TokenSet[expiresAt=" + expiresAt + ", refreshable=" + (refreshToken != null) + "]";
  }
}
