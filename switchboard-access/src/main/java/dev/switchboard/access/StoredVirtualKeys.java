package dev.switchboard.access;

import dev.switchboard.access.store.StoreCache;
import dev.switchboard.access.store.VirtualKeyRow;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.engine.access.VirtualKeys;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Request;
import java.util.HashMap;
import java.util.Map;

/**
 * Virtual keys from the store, for the router: the caller's workspace's key of that slug, if the
 * caller's key may use it, decrypted, then admitted against its own limits. Whatever the reason a
 * caller may not use a slug (none such, revoked, another workspace's, outside the key's scopes, an
 * anonymous caller), the answer is the same 403, so slugs cannot be probed. Rows (ciphertext only)
 * are remembered as briefly as keys are (a revoke or rotate on this gateway is seen at once, on
 * another within that time); credentials are decrypted for each attempt and live only as long as
 * it.
 */
final class StoredVirtualKeys implements VirtualKeys {
  private final StoreCache store;
  private final SecretBox box;
  private final Callers callers;
  private final AttemptAdmission admission;

  StoredVirtualKeys(StoreCache store, SecretBox box, Callers callers, AttemptAdmission admission) {
    this.store = store;
    this.box = box;
    this.callers = callers;
    this.admission = admission;
  }

  @Override
  public Credentials resolve(String slug, Request request) {
    Callers.Caller caller = callers.of(request);
    Principal principal = caller.principal();
    if (principal.kind() != Principal.Kind.KEY
        || !KeyScopes.allows(principal.scopes().virtualKeys(), slug)) {
      throw notAvailable(slug);
    }
    VirtualKeyRow row =
        store
            .virtualKey(principal.workspace(), slug)
            .filter(found -> found.revokedAt() == null)
            .orElseThrow(() -> notAvailable(slug));
    if (!KeyScopes.allows(principal.scopes().providers(), row.provider())) {
      throw notAvailable(slug);
    }
    if (!box.canSeal()) {
      throw new InvalidRequestException(
          "Virtual keys cannot be used: no master key is configured (access.master-key or"
              + " access.master-key-file).",
          "x-portkey-virtual-key",
          null);
    }
    Map<String, String> credentials =
        box.open(row.qualifiedSlug(), row.ciphertext(), row.masterKeyId());
    admission.admit(
        request, new Subject(Subject.Kind.VIRTUAL_KEY, row.qualifiedSlug(), row.limits()));
    Map<String, String> options = new HashMap<>(credentials);
    String apiKey = options.remove(VirtualKeyRow.API_KEY);
    return new Credentials(row.provider(), apiKey, options);
  }

  private static AccessDeniedException notAvailable(String slug) {
    return AccessDeniedException.forbidden(
        "The virtual key '" + AccessStage.printable(slug) + "' is not available to this caller.");
  }
}
