package dev.switchboard.mcp.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How the gateway authorizes itself to an upstream MCP server that requires OAuth 2.1 (a server's
 * {@code oauth} setting). The authorization server is discovered from the MCP server (its 401's
 * {@code WWW-Authenticate: Bearer resource_metadata=…}, RFC 9728, then RFC 8414).
 *
 * <pre>{@code
 * oauth:
 *   mode: per-user                     # or shared
 *   client-id: switchboard
 *   client-secret-virtual-key: default/docs-oauth   # or client-secret: …
 *   scopes: [files.read]
 *   redirect-uri: https://gateway.example.com/v1/mcp/oauth/callback
 * }</pre>
 *
 * @param mode {@link Mode#SHARED}: the gateway's own token (client credentials); {@link
 *     Mode#PER_USER}: each caller's own (authorization code with PKCE through the gateway)
 * @param clientId the gateway's client id at the authorization server
 * @param clientSecret the client secret as written in the settings, or {@code null}
 * @param clientSecretVirtualKey a virtual key of the access vault whose {@code api_key} is the
 *     client secret, read when needed, or {@code null}
 * @param scopes the scopes asked for (none: the server's {@code scopes_supported}, if any)
 * @param redirectUri where the authorization server sends the user back: the gateway's {@code
 *     /v1/mcp/oauth/callback}; {@code null} for the gateway's own address
 */
public record OAuthSettings(
    Mode mode,
    String clientId,
    String clientSecret,
    String clientSecretVirtualKey,
    List<String> scopes,
    URI redirectUri) {

  /** Whose token a call carries. */
  public enum Mode {
    /** One token for the gateway, from the client-credentials grant. */
    SHARED,
    /** Each caller's own token, from the authorization-code grant with PKCE. */
    PER_USER
  }

  public OAuthSettings {
    scopes = List.copyOf(scopes);
  }

  /** Whether a client secret is set, in the settings or the vault. */
  public boolean confidential() {
    return clientSecret != null || clientSecretVirtualKey != null;
  }

  @Override
  public String toString() {
    return "OAuthSettings[mode="
        + mode
        + ", clientId="
        + clientId
        + ", clientSecret="
        + (clientSecret == null ? "null" : "***")
        + ", clientSecretVirtualKey="
        + clientSecretVirtualKey
        + ", scopes="
        + scopes
        + ", redirectUri="
        + redirectUri
        + "]";
  }

  /**
   * Reads a server's {@code oauth} setting.
   *
   * @param where the setting's name, for the messages ({@code mcp.servers.docs.oauth})
   * @throws IllegalArgumentException naming what is wrong
   */
  public static OAuthSettings parse(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping");
    }
    Set<String> unknown = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(unknown::add);
    unknown.removeAll(
        Set.of(
            "mode",
            "client-id",
            "client-secret",
            "client-secret-virtual-key",
            "scopes",
            "redirect-uri"));
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown setting: " + where + "." + unknown.iterator().next());
    }
    String modeName = text(node, "mode");
    Mode mode;
    if (modeName == null || modeName.equals("shared")) {
      mode = Mode.SHARED;
    } else if (modeName.equals("per-user")) {
      mode = Mode.PER_USER;
    } else {
      throw new IllegalArgumentException(where + ".mode must be shared or per-user");
    }
    String clientId = text(node, "client-id");
    if (clientId == null) {
      throw new IllegalArgumentException(where + ".client-id is required");
    }
    String secret = text(node, "client-secret");
    String secretKey = text(node, "client-secret-virtual-key");
    if (secret != null && secretKey != null) {
      throw new IllegalArgumentException(
          where + " sets client-secret and client-secret-virtual-key: set one");
    }
    if (mode == Mode.SHARED && secret == null && secretKey == null) {
      throw new IllegalArgumentException(
          where
              + ": mode shared (the client-credentials grant) needs client-secret or"
              + " client-secret-virtual-key");
    }
    List<String> scopes = new ArrayList<>();
    JsonNode list = node.get("scopes");
    if (list != null && !list.isNull()) {
      if (list.isTextual()) {
        scopes.addAll(List.of(list.asText().trim().split("\\s+")));
      } else if (list.isArray()) {
        list.forEach(scope -> scopes.add(scope.asText()));
      } else {
        throw new IllegalArgumentException(where + ".scopes must be a list");
      }
    }
    URI redirect = null;
    String redirectText = text(node, "redirect-uri");
    if (redirectText != null) {
      try {
        redirect = URI.create(redirectText);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ".redirect-uri is not a URL");
      }
      if (!redirect.isAbsolute() || redirect.getHost() == null) {
        throw new IllegalArgumentException(where + ".redirect-uri must be an absolute URL");
      }
    }
    return new OAuthSettings(mode, clientId, secret, secretKey, scopes, redirect);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    String text = value.asText().strip();
    return text.isEmpty() ? null : text;
  }
}
