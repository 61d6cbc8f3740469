package dev.switchboard.access.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The master keys that encrypt virtual keys: the current one (new ciphertexts) and earlier ones
 * that still decrypt what they encrypted. Each is named by its id, the first 8 hex characters of
 * its SHA-256, which is stored beside each ciphertext. Error messages name the setting, never a
 * key.
 */
public final class MasterKeys {
  private final String currentId;
  private final Map<String, SecretKey> byId;

  private MasterKeys(String currentId, Map<String, SecretKey> byId) {
    this.currentId = currentId;
    this.byId = Map.copyOf(byId);
  }

  /**
   * The ring from the settings: {@code current} (base64 of 32 bytes), else the contents of {@code
   * currentFile}, and {@code previous}.
   *
   * @throws IllegalArgumentException naming the setting that is not base64 of 32 bytes
   */
  public static MasterKeys of(String current, Path currentFile, List<String> previous) {
    String currentText = current;
    String currentSetting = "access.master-key";
    if ((currentText == null || currentText.isBlank()) && currentFile != null) {
      try {
        currentText = Files.readString(currentFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "access.master-key-file cannot be read: " + currentFile, e);
      }
      currentSetting = "access.master-key-file";
    }
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    String currentId = null;
    if (currentText != null && !currentText.isBlank()) {
      SecretKey key = parse(currentText, currentSetting);
      currentId = idOf(key);
      keys.put(currentId, key);
    }
    for (String each : previous) {
      if (each != null && !each.isBlank()) {
        SecretKey key = parse(each, "access.previous-master-keys");
        keys.putIfAbsent(idOf(key), key);
      }
    }
    if (currentId == null && !keys.isEmpty()) {
      throw new IllegalArgumentException(
          "access.previous-master-keys is set but access.master-key is not: set the current"
              + " master key too");
    }
    return new MasterKeys(currentId, keys);
  }

  /** Whether a current master key is set. */
  public boolean present() {
    return currentId != null;
  }

  /** The id of the current master key, or {@code null}. */
  public String currentId() {
    return currentId;
  }

  SecretKey current() {
    return byId.get(currentId);
  }

  Optional<SecretKey> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  private static SecretKey parse(String base64, String setting) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(setting + " must be the base64 of 32 bytes");
    }
    if (bytes.length != 32) {
      throw new IllegalArgumentException(
          setting + " must be the base64 of 32 bytes (AES-256), not of " + bytes.length);
    }
    return new SecretKeySpec(bytes, "AES");
  }

  static String idOf(SecretKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "MasterKeys[current=" + currentId + ", known=" + byId.keySet() + "]";
  }
}
