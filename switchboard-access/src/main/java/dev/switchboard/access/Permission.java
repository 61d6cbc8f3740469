package dev.switchboard.access;

import java.util.Locale;

/**
 * What a gateway key may do, route by route. A key carries a set of them; a key with none may do
 * nothing. The admin token may do everything.
 */
public enum Permission {
  /** {@code POST /v1/chat/completions}, {@code /v1/completions}, {@code /v1/messages} (+ count). */
  COMPLETIONS,
  /** {@code POST /v1/embeddings}. */
  EMBEDDINGS,
  /** {@code GET /v1/models}. */
  MODELS,
  /** Every other {@code /v1/*} path, passed through to the provider. */
  PASSTHROUGH,
  /** {@code POST /v1/feedback}. */
  FEEDBACK,
  /**
   * {@code POST /v1/prompts/{id}/render} and {@code /completions}: saved prompts (a completion
   * needs {@link #COMPLETIONS} too).
   */
  PROMPTS,
  /** The MCP gateway, {@code /mcp} and {@code /mcp/{server}}; which tools: the key's MCP scope. */
  MCP,
  /** Create, list, change, rotate and revoke gateway keys of its own workspace, none wider. */
  KEYS_MANAGE,
  /** Create, list, rotate and revoke virtual keys of its own workspace. */
  VIRTUAL_KEYS_MANAGE,
  /** See usage against limits and budgets of its own workspace. */
  USAGE_READ;

  /** The name in JSON: {@code completions}, {@code keys.manage}, … */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace("_manage", ".manage").replace("_read", ".read");
  }

  /** The permission named so in JSON. */
  public static Permission of(String name) {
    for (Permission permission : values()) {
      if (permission.wireName().equals(name)) {
        return permission;
      }
    }
    throw new IllegalArgumentException("unknown permission '" + name + "'");
  }
}
