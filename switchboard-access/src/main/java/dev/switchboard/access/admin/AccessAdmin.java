package dev.switchboard.access.admin;

import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Principal;
import dev.switchboard.access.Subject;
import dev.switchboard.access.limits.Limiter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operations of the admin API and CLI, each done on behalf of an {@code actor}: the admin
 * (every workspace) or a gateway key with {@code keys.manage}, {@code virtual_keys.manage} or
 * {@code usage.read} (its own workspace only, and never a key wider than itself). Throws {@link
 * dev.switchboard.engine.errors.AccessDeniedException} (403) for what the actor may not do, {@link
 * AdminException} for what is not there (404), already there (409) or not valid (400).
 */
public interface AccessAdmin {

  Workspace createWorkspace(Principal actor, String id, String name, Limits limits);

  List<Workspace> workspaces(Principal actor);

  Workspace updateWorkspace(Principal actor, String id, Limits limits);

  /** Creates a key; the secret is in the answer and nowhere else, ever. */
  CreatedKey createKey(Principal actor, KeyRequest request);

  /** Keys of a workspace ({@code null}: the actor's, or every workspace for the admin). */
  List<KeyInfo> keys(Principal actor, String workspace);

  KeyInfo key(Principal actor, String id);

  KeyInfo updateKey(Principal actor, String id, KeyUpdate update);

  /** A new secret for the key (same id, scopes, limits); the old secret stops working at once. */
  CreatedKey rotateKey(Principal actor, String id);

  KeyInfo revokeKey(Principal actor, String id);

  VirtualKeyInfo createVirtualKey(Principal actor, VirtualKeyRequest request);

  List<VirtualKeyInfo> virtualKeys(Principal actor, String workspace);

  VirtualKeyInfo virtualKey(Principal actor, String workspace, String slug);

  /** Replaces the stored credentials (the provider's key was rotated at the provider). */
  VirtualKeyInfo rotateVirtualKey(
      Principal actor, String workspace, String slug, Map<String, String> credentials);

  VirtualKeyInfo updateVirtualKey(Principal actor, String workspace, String slug, Limits limits);

  VirtualKeyInfo revokeVirtualKey(Principal actor, String workspace, String slug);

  /**
   * Re-encrypts every stored credential under the current master key (after the operator set a new
   * one and listed the old one as previous); admin only. Returns how many were re-encrypted.
   */
  int reencryptVirtualKeys(Principal actor);

  /** A subject's limits and its usage against them. */
  UsageReport usage(Principal actor, Subject.Kind kind, String id);

  /**
   * Sets the hosts a workspace's keys may send requests to as custom hosts ({@code
   * x-portkey-custom-host}, a config's {@code custom_host}): exact host names or IP literals, or
   * {@code *.suffix} for the hosts below a suffix; {@code null} clears the list (then the default
   * applies: none when keys are required, any when they are optional). Admin only.
   */
  Workspace setCustomHosts(Principal actor, String id, List<String> hosts);

  /**
   * A workspace.
   *
   * @param customHosts the hosts its keys may send to as custom hosts, or {@code null} when none is
   *     set (see {@link #setCustomHosts})
   */
  record Workspace(
      String id, String name, Limits limits, Instant createdAt, List<String> customHosts) {
    public Workspace {
      customHosts = customHosts == null ? null : List.copyOf(customHosts);
    }
  }

  /**
   * What a new key is to be.
   *
   * @param workspace its workspace (a key-holding actor may name only its own, or {@code null})
   * @param expiresAt when it stops working, or {@code null} (never; not later than the actor's)
   */
  record KeyRequest(
      String workspace, String name, KeyScopes scopes, Limits limits, Instant expiresAt) {}

  /** Changes to a key; {@code null} parts stay as they are. */
  record KeyUpdate(String name, KeyScopes scopes, Limits limits, Instant expiresAt) {}

  /**
   * A key as listed: never its secret, only the first characters to recognise it by.
   *
   * @param displayPrefix e.g. {@code sbk-3fK9}
   */
  record KeyInfo(
      String id,
      String workspace,
      String name,
      String displayPrefix,
      KeyScopes scopes,
      Limits limits,
      Instant createdAt,
      Instant expiresAt,
      Instant revokedAt,
      String createdBy) {}

  /** A key just created or rotated, with its secret shown this once. */
  record CreatedKey(KeyInfo key, String secret) {
    @Override
    public String toString() {
      return "CreatedKey[key=" + key + ", secret=***]";
    }
  }

  /**
   * What a new virtual key is to be.
   *
   * @param credentials the provider's secrets and options by name: {@code api_key}, and any of
   *     {@link dev.switchboard.engine.providers.ProviderOptions#NAMES} ({@code aws_access_key_id},
   *     {@code aws_secret_access_key}, {@code aws_region}, {@code azure_resource_name}, {@code
   *     vertex_service_account_json}, …); all of it is encrypted at rest
   */
  record VirtualKeyRequest(
      String workspace,
      String slug,
      String provider,
      Map<String, String> credentials,
      Limits limits) {
    @Override
    public String toString() {
      return "VirtualKeyRequest[workspace="
          + workspace
          + ", slug="
          + slug
          + ", provider="
          + provider
          + ", credentials="
          + (credentials == null ? "none" : credentials.keySet())
          + ", limits="
          + limits
          + "]";
    }
  }

  /** A virtual key as listed: the names of its credentials, never their values. */
  record VirtualKeyInfo(
      String workspace,
      String slug,
      String provider,
      Set<String> credentialNames,
      Limits limits,
      Instant createdAt,
      Instant rotatedAt,
      Instant revokedAt) {}

  /** A subject's limits and what it used against them. */
  record UsageReport(Subject subject, Limiter.Usage usage) {}
}
