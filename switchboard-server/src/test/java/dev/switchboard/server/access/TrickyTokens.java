package dev.switchboard.server.access;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens that are not a valid key but try to be taken for one, or to break what reads them: SQL
 * metacharacters, a NUL, 10 KB, a look-alike prefix with a Cyrillic {@code ѕ}, and a real key with
 * one character changed. Each should be refused as any unknown key is (401), and never match a key.
 */
final class TrickyTokens {
  private TrickyTokens() {}

  /** The tricky tokens derived from a valid key, by name. */
  static Map<String, String> derivedFrom(String validKey) {
    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("sql metacharacters", "sbk-' OR '1'='1' --; DROP TABLE access_keys;");
    tokens.put("sql like wildcard", "sbk-%");
    tokens.put("NUL", validKey + "\u0000");
    tokens.put("NUL inside", validKey.substring(0, 10) + "\u0000" + validKey.substring(11));
    tokens.put("10 KB", "sbk-" + "A".repeat(10 * 1024));
    tokens.put("look-alike \u0455bk-", "\u0455" + validKey.substring(1));
    tokens.put("one character changed", oneCharacterChanged(validKey));
    tokens.put("upper-cased key", validKey.toUpperCase(java.util.Locale.ROOT));
    return tokens;
  }

  static String oneCharacterChanged(String key) {
    int at = key.length() - 5;
    char changed = key.charAt(at) == 'A' ? 'B' : 'A';
    return key.substring(0, at) + changed + key.substring(at + 1);
  }
}
