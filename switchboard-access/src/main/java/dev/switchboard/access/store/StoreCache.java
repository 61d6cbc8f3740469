package dev.switchboard.access.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.access.Limits;
import dev.switchboard.access.admin.AccessAdmin.Workspace;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What every request reads from the store, remembered for a short time ({@code
 * access.key-cache-ttl}) so a request costs no database round trip: keys by the hash of their
 * secret (never by the secret), workspaces (their limits and custom hosts), virtual keys' rows
 * (ciphertext only; decrypted credentials are never kept). A change made on this gateway is
 * forgotten at once; one made on another gateway sharing the database is seen within the time to
 * live.
 */
public final class StoreCache {
  private final AccessStore store;
  private final Cache<String, Optional<KeyRow>> keys;
  private final Cache<String, Optional<Workspace>> workspaces;
  private final Cache<String, Optional<VirtualKeyRow>> virtualKeys;

  public StoreCache(AccessStore store, Duration timeToLive, Clock clock) {
    this.store = store;
    this.keys = build(timeToLive, clock, 100_000);
    this.workspaces = build(timeToLive, clock, 10_000);
    this.virtualKeys = build(timeToLive, clock, 10_000);
  }

  private static <V> Cache<String, V> build(Duration timeToLive, Clock clock, long size) {
    return Caffeine.newBuilder()
        .expireAfterWrite(timeToLive)
        .maximumSize(size)
        .ticker(() -> clock.millis() * 1_000_000L)
        .build();
  }

  /** The key whose secret hashes so, revoked and expired ones included. */
  public Optional<KeyRow> keyByHash(String secretHash) {
    return keys.get(secretHash, store::keyByHash);
  }

  /** A workspace's limits; none for a workspace that is not there. */
  public Limits workspaceLimits(String workspace) {
    return workspaces.get(workspace, store::workspace).map(Workspace::limits).orElse(Limits.NONE);
  }

  /** A workspace's custom-host allowlist; {@code null} when it has none set (or is not there). */
  public List<String> workspaceCustomHosts(String workspace) {
    return workspaces.get(workspace, store::workspace).map(Workspace::customHosts).orElse(null);
  }

  /** A virtual key's row, revoked ones included. */
  public Optional<VirtualKeyRow> virtualKey(String workspace, String slug) {
    return virtualKeys.get(
        VirtualKeyRow.qualify(workspace, slug), k -> store.virtualKey(workspace, slug));
  }

  public void forgetKey(String secretHash) {
    keys.invalidate(secretHash);
  }

  public void forgetWorkspace(String workspace) {
    workspaces.invalidate(workspace);
  }

  public void forgetVirtualKey(String workspace, String slug) {
    virtualKeys.invalidate(VirtualKeyRow.qualify(workspace, slug));
  }

  /** Forgets every virtual key's row (they were re-encrypted). */
  public void forgetVirtualKeys() {
    virtualKeys.invalidateAll();
  }
}
