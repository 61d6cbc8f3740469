package dev.switchboard.mcp.oauth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the per-user upstream tokens are kept, one {@link TokenSet} per (server, caller). The
 * server keeps them sealed in the access layer's vault; {@link #inMemory()} is for a gateway
 * without one (and tests).
 */
public interface UpstreamTokenStore {

  /** The caller's tokens for {@code server}, if it authorized. */
  Optional<TokenSet> load(String server, String caller);

  /** Keeps the caller's tokens for {@code server}, replacing any. */
  void save(String server, String caller, TokenSet tokens);

  /**
   * Forgets the caller's tokens for {@code server}.
   *
   * @return whether there were any
   */
  boolean delete(String server, String caller);

  /** Tokens kept in this process only: a restart forgets them. */
  static UpstreamTokenStore inMemory() {
    Map<String, TokenSet> tokens = new ConcurrentHashMap<>();
    return new UpstreamTokenStore() {
      @Override
      public Optional<TokenSet> load(String server, String caller) {
        return Optional.ofNullable(tokens.get(server + " " + caller));
      }

      @Override
      public void save(String server, String caller, TokenSet set) {
        tokens.put(server + " " + caller, set);
      }

      @Override
      public boolean delete(String server, String caller) {
        return tokens.remove(server + " " + caller) != null;
      }
    };
  }
}
