package dev.switchboard.access.vault;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts a virtual key's credentials (and any other secret the gateway stores, such as stored
 * responses) with AES-256-GCM under the current master key: a fresh 12-byte nonce each time, a
 * 128-bit tag, and the name of its row as associated data (a virtual key's {@code workspace/slug}),
 * so a ciphertext moved to another row does not decrypt. Stored as nonce followed by ciphertext and
 * tag. Opening uses the master key the ciphertext was sealed under, current or previous.
 */
public final class SecretBox {
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ObjectMapper JSON = WireJson.mapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final MasterKeys keys;

  public SecretBox(MasterKeys keys) {
    this.keys = keys;
  }

  /** A sealed secret and the id of the master key that sealed it. */
  public record Sealed(byte[] ciphertext, String masterKeyId) {
    @Override
    public String toString() {
      return "Sealed[masterKeyId=" + masterKeyId + "]";
    }
  }

  /** Whether a current master key is set, so credentials can be sealed. */
  public boolean canSeal() {
    return keys.present();
  }

  /** The id of the current master key, or {@code null}. */
  public String currentKeyId() {
    return keys.currentId();
  }

  /**
   * Encrypts credentials for {@code qualifiedSlug} ({@code workspace/slug}).
   *
   * @throws IllegalStateException when no master key is set
   */
  public Sealed seal(String qualifiedSlug, Map<String, String> credentials) {
    byte[] plain;
    try {
      plain = JSON.writeValueAsBytes(new TreeMap<>(credentials));
    } catch (IOException e) {
      throw new IllegalStateException("credentials cannot be written", e);
    }
    try {
      return sealBytes(qualifiedSlug, plain);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * Encrypts {@code plain} under the current master key, bound to {@code associatedData} (what
   * names the row it is stored in), so that it opens only with the same associated data.
   *
   * @throws IllegalStateException when no master key is set
   */
  public Sealed sealBytes(String associatedData, byte[] plain) {
    if (!keys.present()) {
      throw new IllegalStateException("no master key is set (access.master-key)");
    }
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.current(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plain);
      return new Sealed(
          ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array(),
          keys.currentId());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * Decrypts what {@link #seal} made for {@code qualifiedSlug}.
   *
   * @throws VaultException when the master key it was sealed under is not configured, or the
   *     ciphertext does not verify (tampered, or moved from another row)
   */
  public Map<String, String> open(String qualifiedSlug, byte[] ciphertext, String masterKeyId) {
    byte[] plain =
        openBytes(
            qualifiedSlug,
            ciphertext,
            masterKeyId,
            "The credentials of virtual key '" + qualifiedSlug + "'");
    try {
      return Map.copyOf(JSON.readValue(plain, new TypeReference<Map<String, String>>() {}));
    } catch (IOException | IllegalArgumentException e) {
      throw new VaultException(
          "The credentials of virtual key '"
              + qualifiedSlug
              + "' do not decrypt under master key "
              + masterKeyId
              + " (altered, or written under another key with the same id).");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * Decrypts what {@link #sealBytes} made for {@code associatedData}.
   *
   * @param what what was sealed, plural, for the error's message ("The contents of stored response
   *     'resp_…'")
   * @throws VaultException when the master key it was sealed under is not configured, or the
   *     ciphertext does not verify (tampered, or moved from another row)
   */
  public byte[] openBytes(
      String associatedData, byte[] ciphertext, String masterKeyId, String what) {
    SecretKey key =
        keys.byId(masterKeyId)
            .orElseThrow(() ->
                new VaultException(
                    what
                        + " are encrypted under master key "
                        + masterKeyId
                        + ", which is neither access.master-key nor listed in"
                        + " access.previous-master-keys."));
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, ciphertext, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new VaultException(
          what
              + " do not decrypt under master key "
              + masterKeyId
              + " (altered, or written under another key with the same id).");
    }
  }

  /** A stored credential that cannot be decrypted; the message names the key id, never a key. */
  public static final class VaultException extends RuntimeException {
    public VaultException(String message) {
      super(message, null, false, false);
    }
  }
}
