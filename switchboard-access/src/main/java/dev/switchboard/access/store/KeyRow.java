package dev.switchboard.access.store;

import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.admin.AccessAdmin.KeyInfo;
import java.time.Instant;

/**
 * A gateway key as stored: the SHA-256 hex of its secret, never the secret. {@link #toString}
 * leaves the hash out, so a logged row gives nothing to match a key against.
 */
public record KeyRow(
    String id,
    String workspace,
    String name,
    String secretHash,
    String displayPrefix,
    KeyScopes scopes,
    Limits limits,
    Instant createdAt,
    Instant expiresAt,
    Instant revokedAt,
    String createdBy) {

  /** The key as listed. */
  public KeyInfo info() {
    return new KeyInfo(
        id,
        workspace,
        name,
        displayPrefix,
        scopes,
        limits,
        createdAt,
        expiresAt,
        revokedAt,
        createdBy);
  }

  /** Whether it authenticates at {@code now}: not revoked, not expired. */
  public boolean liveAt(Instant now) {
    return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
  }

  @Override
  public String toString() {
    return "KeyRow[id=" + id + ", workspace=" + workspace + ", prefix=" + displayPrefix + "]";
  }
}
