package dev.switchboard.access;

import java.util.Set;

/**
 * What a gateway key may reach. {@code null} sets mean any; an empty set means none.
 *
 * @param permissions the routes it may call
 * @param providers the providers it may route to ({@code openai}, …), or {@code null} for any
 * @param models the models it may ask for, exactly as named, or {@code null} for any
 * @param configs the saved configs it may use by id ({@code "inline"} lets it send its own JSON),
 *     or {@code null} for any
 * @param virtualKeys the virtual keys of its workspace it may use, by slug, or {@code null} for any
 * @param mcp the MCP servers and tools it may list and call at {@code /mcp}: a server's name (all
 *     of its tools) or one tool as {@code <server>__<tool>}; {@code null} for any, empty for none
 */
public record KeyScopes(
    Set<Permission> permissions,
    Set<String> providers,
    Set<String> models,
    Set<String> configs,
    Set<String> virtualKeys,
    Set<String> mcp) {
  public KeyScopes {
    permissions = Set.copyOf(permissions);
    providers = providers == null ? null : Set.copyOf(providers);
    models = models == null ? null : Set.copyOf(models);
    configs = configs == null ? null : Set.copyOf(configs);
    virtualKeys = virtualKeys == null ? null : Set.copyOf(virtualKeys);
    mcp = mcp == null ? null : Set.copyOf(mcp);
  }

  /** Scopes that reach any MCP server and tool. */
  public KeyScopes(
      Set<Permission> permissions,
      Set<String> providers,
      Set<String> models,
      Set<String> configs,
      Set<String> virtualKeys) {
    this(permissions, providers, models, configs, virtualKeys, null);
  }

  /** Every permission, every provider, model, config and virtual key. */
  public static final KeyScopes ALL =
      new KeyScopes(Set.of(Permission.values()), null, null, null, null);

  /**
   * Whether {@code name} is within {@code scope}, one of these sets ({@code null}: any name is).
   */
  public static boolean allows(Set<String> scope, String name) {
    return scope == null || scope.contains(name);
  }
}
