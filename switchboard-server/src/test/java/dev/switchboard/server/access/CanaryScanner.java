package dev.switchboard.server.access;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Looks for a secret in text in every form it could leak in: raw, URL-encoded, base64 (standard and
 * URL-safe; padding or not does not matter as the core of the encoding is searched) and the hex of
 * its SHA-256 (lower and upper case). Base64 is searched at the three byte alignments the secret
 * can have inside a longer encoded value (say {@code Basic base64(user:secret)}), each without the
 * characters its neighbours would change.
 */
final class CanaryScanner {
  private CanaryScanner() {}

  /** The forms of {@code secret} searched, by name. */
  static Map<String, String> forms(String secret) {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("raw", secret);
    forms.put("url-encoded", URLEncoder.encode(secret, StandardCharsets.UTF_8));
    forms.put(
        "url-encoded-%20", URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
    for (int offset = 0; offset < 3; offset++) {
      forms.put("base64@" + offset, base64Core(bytes, offset, Base64.getEncoder()));
      forms.put("base64url@" + offset, base64Core(bytes, offset, Base64.getUrlEncoder()));
    }
    String hex = HexFormat.of().formatHex(sha256(bytes));
    forms.put("sha256-hex", hex);
    forms.put("sha256-HEX", hex.toUpperCase(Locale.ROOT));
    forms.values().removeIf(String::isEmpty);
    return forms;
  }

  /**
   * How many times each form of {@code secret} occurs in {@code text}; forms never seen left out.
   */
  static Map<String, Integer> occurrences(String text, String secret) {
    Map<String, Integer> found = new LinkedHashMap<>();
    if (text == null || text.isEmpty()) {
      return found;
    }
    // A raw secret is also a URL-encoded one when it needs no escaping: count each place once.
    Map<String, String> distinct = new LinkedHashMap<>();
    forms(secret).forEach((name, form) -> distinct.putIfAbsent(form, name));
    distinct.forEach((form, name) -> {
      int count = count(text, form);
      if (count > 0) {
        found.put(name, count);
      }
    });
    return found;
  }

  /** All occurrences of every form of {@code secret} in {@code text}. */
  static int total(String text, String secret) {
    return occurrences(text, secret).values().stream().mapToInt(Integer::intValue).sum();
  }

  private static int count(String text, String form) {
    int count = 0;
    for (int at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1)) {
      count++;
    }
    return count;
  }

  /**
   * The characters of the base64 of {@code secret} that stay the same whatever {@code offset} bytes
   * precede it and whatever follows it.
   */
  private static String base64Core(byte[] secret, int offset, Base64.Encoder encoder) {
    byte[] padded = new byte[offset + secret.length];
    System.arraycopy(secret, 0, padded, offset, secret.length);
    String encoded = encoder.withoutPadding().encodeToString(padded);
    int skip = offset == 0 ? 0 : (offset == 1 ? 2 : 3);
    // The characters of whole 3-byte groups only: a last partial group's characters depend on
    // what follows the secret.
    int end = (padded.length / 3) * 4;
    if (end <= skip) {
      return "";
    }
    return encoded.substring(skip, Math.min(end, encoded.length()));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
