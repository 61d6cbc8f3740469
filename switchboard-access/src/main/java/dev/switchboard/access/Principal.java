package dev.switchboard.access;

import java.time.Instant;

/**
 * Who is calling: the operator with the admin token, the holder of a gateway key, or nobody (no key
 * where none is required).
 *
 * @param kind which of these
 * @param keyId the gateway key's id, or {@code null}
 * @param workspace the key's workspace, or {@code null} (the admin's is every workspace)
 * @param scopes what it may reach
 * @param limits the key's own limits and budget
 * @param expiresAt when the key stops working, or {@code null}
 */
public record Principal(
    Kind kind, String keyId, String workspace, KeyScopes scopes, Limits limits, Instant expiresAt) {

  /** The kinds of caller. */
  public enum Kind {
    ADMIN,
    KEY,
    ANONYMOUS
  }

  /** The operator, holding the admin token: every workspace, every permission, no limits. */
  public static final Principal ADMIN =
      new Principal(Kind.ADMIN, null, null, KeyScopes.ALL, Limits.NONE, null);

  /**
   * A caller without a key, where keys are not required: may call the model routes and saved
   * prompts, no admin.
   */
  public static final Principal ANONYMOUS =
      new Principal(
          Kind.ANONYMOUS,
          null,
          null,
          new KeyScopes(
              java.util.Set.of(
                  Permission.COMPLETIONS,
                  Permission.EMBEDDINGS,
                  Permission.MODELS,
                  Permission.PASSTHROUGH,
                  Permission.FEEDBACK,
                  Permission.PROMPTS,
                  Permission.MCP),
              null,
              null,
              null,
              java.util.Set.of()),
          Limits.NONE,
          null);
}
