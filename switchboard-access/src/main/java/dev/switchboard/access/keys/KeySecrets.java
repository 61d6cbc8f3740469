package dev.switchboard.access.keys;

import dev.switchboard.engine.access.GatewayKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * What a gateway key's secret is: {@code sbk-} and 43 base64url characters of 32 random bytes; how
 * it is stored: the SHA-256 hex of the whole key. The key has 256 bits of entropy, so a fast,
 * unsalted hash is safe against guessing and lets the store find a key by its hash.
 */
public final class KeySecrets {
  /** The length of every key: the prefix and 43 characters. */
  public static final int LENGTH = GatewayKeys.PREFIX.length() + 43;

  /** How much of a key is shown to recognise it by: {@code sbk-} and four characters. */
  public static final int DISPLAY_PREFIX_LENGTH = 8;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

  private KeySecrets() {}

  /** A new key's secret. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return GatewayKeys.PREFIX + BASE64URL.encodeToString(bytes);
  }

  /**
   * A short random id, e.g. {@code key_Xa81…}: not a secret, it names the key in lists and logs.
   */
  public static String newId(String prefix) {
    byte[] bytes = new byte[9];
    RANDOM.nextBytes(bytes);
    return prefix + BASE64URL.encodeToString(bytes);
  }

  /**
   * Whether {@code presented} has the shape of a key: the prefix, then exactly 43 base64url
   * characters. Checked before any lookup, so NUL bytes, look-alike letters, SQL text or megabytes
   * never reach the store.
   */
  public static boolean wellFormed(String presented) {
    if (presented == null
        || presented.length() != LENGTH
        || !presented.startsWith(GatewayKeys.PREFIX)) {
      return false;
    }
    for (int i = GatewayKeys.PREFIX.length(); i < LENGTH; i++) {
      char c = presented.charAt(i);
      boolean base64url =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_';
      if (!base64url) {
        return false;
      }
    }
    return true;
  }

  /** The SHA-256 hex of a key, as stored and looked up. */
  public static String hash(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The part of a key shown in lists. */
  public static String displayPrefix(String key) {
    return key.substring(0, DISPLAY_PREFIX_LENGTH);
  }
}
