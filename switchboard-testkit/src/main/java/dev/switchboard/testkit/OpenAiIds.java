package dev.switchboard.testkit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers shaped like OpenAI's: a type prefix and random alphanumerics ({@code
 * chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT}), or, for tool calls, derived from the call so that equal
 * requests get equal ids.
 */
final class OpenAiIds {
  private static final String ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  /** The {@code system_fingerprint} of every answer: {@code fp_} and 10 hex digits. */
  static final String SYSTEM_FINGERPRINT = "fp_f4c0e5a1d2";

  private OpenAiIds() {}

  static String chatCompletion() {
    return "chatcmpl-" + random(29);
  }

  static String completion() {
    return "cmpl-" + random(29);
  }

  static String moderation() {
    return "modr-" + random(29);
  }

  /** A Responses API response: {@code resp_} and 48 lower-case hex digits. */
  static String response() {
    return "resp_" + hex(48);
  }

  /** A Responses API output message: {@code msg_} and 48 lower-case hex digits. */
  static String outputMessage() {
    return "msg_" + hex(48);
  }

  /** A Responses API function call item: {@code fc_} and 48 lower-case hex digits. */
  static String functionCall() {
    return "fc_" + hex(48);
  }

  /** A Realtime API call started over WebRTC: {@code rtc_} and 32 lower-case hex digits. */
  static String realtimeCall() {
    return "rtc_" + hex(32);
  }

  private static String hex(int digits) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder hex = new StringBuilder(digits);
    while (hex.length() < digits) {
      hex.append(HexFormat.of().toHexDigits(random.nextLong()));
    }
    return hex.substring(0, digits);
  }

  /** The {@code x-request-id} header: {@code req_} and 32 lower-case hex digits. */
  static String request() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "req_"
        + HexFormat.of().toHexDigits(random.nextLong())
        + HexFormat.of().toHexDigits(random.nextLong());
  }

  /** {@code call_} and 24 alphanumerics derived from {@code seed}. */
  static String toolCall(String seed) {
    byte[] digest = sha256(seed);
    StringBuilder id = new StringBuilder("call_");
    for (int i = 0; i < 24; i++) {
      id.append(ALPHANUMERIC.charAt((digest[i] & 0xff) % ALPHANUMERIC.length()));
    }
    return id.toString();
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static String random(int length) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder id = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      id.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
    }
    return id.toString();
  }
}
