package dev.switchboard.access;

/**
 * Something limits and budgets are kept for: a workspace, a gateway key or a virtual key; or an MCP
 * server or tool, for every caller or one key (rate limits only, from the settings file).
 *
 * @param kind what it is
 * @param id its id ({@code kind} and {@code id} name it across the gateway; a virtual key's id is
 *     its workspace and slug, {@code ws/slug})
 * @param limits what it is held to
 */
public record Subject(Kind kind, String id, Limits limits) {
  /** The kinds of subject. */
  public enum Kind {
    WORKSPACE,
    KEY,
    VIRTUAL_KEY,
    /**
     * An MCP server's or tool's calls ({@code docs__search}, {@code docs__search for key k1}): rate
     * limits from the settings file, no budget, no usage report.
     */
    MCP;

    /** {@code workspace}, {@code key}, {@code virtual_key}: as stored and shown. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code key:abc}: the name counters and ledgers are kept under. */
  public String qualifiedName() {
    return kind.wireName() + ":" + id;
  }
}
