package dev.switchboard.access.store;

import dev.switchboard.access.Limits;
import dev.switchboard.access.admin.AccessAdmin.VirtualKeyInfo;
import java.time.Instant;
import java.util.Set;

/**
 * A virtual key as stored: its credentials encrypted (AES-256-GCM) under the master key whose id is
 * {@code masterKeyId}. {@link #toString} leaves the ciphertext out.
 */
public record VirtualKeyRow(
    String workspace,
    String slug,
    String provider,
    byte[] ciphertext,
    String masterKeyId,
    Set<String> credentialNames,
    Limits limits,
    Instant createdAt,
    Instant rotatedAt,
    Instant revokedAt) {

  /** The name of the credential that is the provider's API key; the others are its options. */
  public static final String API_KEY = "api_key";

  public VirtualKeyRow {
    credentialNames = Set.copyOf(credentialNames);
  }

  /** The virtual key as listed: names of its credentials, no values. */
  public VirtualKeyInfo info() {
    return new VirtualKeyInfo(
        workspace,
        slug,
        provider,
        new java.util.TreeSet<>(credentialNames),
        limits,
        createdAt,
        rotatedAt,
        revokedAt);
  }

  /** {@code workspace/slug}: its name across workspaces, and the AAD its ciphertext is bound to. */
  public String qualifiedSlug() {
    return qualify(workspace, slug);
  }

  /** The {@link #qualifiedSlug()} of workspace {@code workspace}'s virtual key {@code slug}. */
  public static String qualify(String workspace, String slug) {
    return workspace + "/" + slug;
  }

  @Override
  public String toString() {
    return "VirtualKeyRow[" + qualifiedSlug() + ", provider=" + provider + "]";
  }
}
