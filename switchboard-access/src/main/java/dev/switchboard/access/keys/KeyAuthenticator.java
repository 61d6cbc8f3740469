package dev.switchboard.access.keys;

import dev.switchboard.access.Principal;
import dev.switchboard.access.store.KeyRow;
import dev.switchboard.access.store.StoreCache;
import dev.switchboard.engine.errors.AccessDeniedException;
import java.time.Clock;
import java.util.Optional;

/**
 * Turns a presented gateway key into its {@link Principal}: shape check, hash, lookup by hash
 * (remembered for a short time by hash, never by key), then not revoked and not expired. Every
 * refusal is the same 401, so a caller learns nothing about which keys exist; no message quotes the
 * key.
 */
public final class KeyAuthenticator {
  /** The one answer for a key that is malformed, unknown, revoked or expired. */
  public static final String NOT_VALID = "The gateway key is not valid.";

  private final StoreCache store;
  private final Clock clock;

  public KeyAuthenticator(StoreCache store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * The holder of {@code presented}.
   *
   * @throws AccessDeniedException 401 {@code invalid_api_key} for a malformed, unknown, revoked or
   *     expired key
   */
  public Principal authenticate(String presented) {
    if (!KeySecrets.wellFormed(presented)) {
      throw invalid();
    }
    String hash = KeySecrets.hash(presented);
    Optional<KeyRow> found = store.keyByHash(hash);
    if (found.isEmpty() || !found.get().liveAt(clock.instant())) {
      throw invalid();
    }
    KeyRow key = found.get();
    return new Principal(
        Principal.Kind.KEY, key.id(), key.workspace(), key.scopes(), key.limits(), key.expiresAt());
  }

  private static AccessDeniedException invalid() {
    return AccessDeniedException.unauthenticated("invalid_api_key", NOT_VALID);
  }
}
