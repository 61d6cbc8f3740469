package dev.switchboard.server;

import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;

/**
 * Who may call the server's own routes (feedback, the admin API): the access module's gateway keys,
 * or nobody checked when access is off.
 */
interface Callers {
  /**
   * The principal holding {@code presentedKey}.
   *
   * @throws dev.switchboard.engine.errors.AccessDeniedException 401 for a key that is malformed,
   *     unknown, revoked or expired
   */
  Principal authenticate(String presentedKey);

  /** Whether every gateway route needs a key ({@code access.require-keys}). */
  boolean keysRequired();

  /** The admin operations, or {@code null} when access is off. */
  AccessAdmin admin();

  /** Access off: no keys exist, none are required, there is no admin API. */
  Callers NONE =
      new Callers() {
        @Override
        public Principal authenticate(String presentedKey) {
          throw dev.switchboard.engine.errors.AccessDeniedException.unauthenticated(
              "invalid_api_key", "Gateway keys are off on this gateway (access.enabled=false).");
        }

        @Override
        public boolean keysRequired() {
          return false;
        }

        @Override
        public AccessAdmin admin() {
          return null;
        }
      };
}
