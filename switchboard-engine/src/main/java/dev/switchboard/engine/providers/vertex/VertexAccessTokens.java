package dev.switchboard.engine.providers.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.api.client.http.HttpResponseException;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OAuth access tokens for Vertex AI, minted from a service account's JSON key by Google's auth
 * library ({@link ServiceAccountCredentials}, scoped to {@value #SCOPE}): it signs a JWT with the
 * key, trades it at the key's {@code token_uri} for a token, and keeps the token until shortly
 * before it expires. One credentials object per service account, in a bounded cache keyed by the
 * SHA-256 of the JSON, so a token is minted once and reused by every request with that key.
 *
 * <p>The library calls {@code token_uri} through {@link TokenEndpointTransport}: the gateway's
 * {@code UpstreamClient} with its outbound guard, pinned to that one URI, so a redirect is never
 * followed. {@code token_uri} must be Google's ({@value #GOOGLE_TOKEN_URI}) or on a host in the
 * gateway's trusted hosts, or the request is refused.
 *
 * <p>The JSON, the key and the tokens are secrets: never logged, never in an error message.
 */
final class VertexAccessTokens {
  static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";
  static final String GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
  private static final String OPTION = "vertex_service_account_json";

  private final UpstreamClient client;
  private final Duration timeout;
  private final Set<String> trustedHosts;
  private final Cache<String, GoogleCredentials> credentials;

  /**
   * @param client the token calls go through it; its guard's trusted hosts are the hosts a {@code
   *     token_uri} other than Google's may name
   * @param timeout the time a token call may take
   * @param maxServiceAccounts how many service accounts' credentials are kept at most
   */
  VertexAccessTokens(UpstreamClient client, Duration timeout, int maxServiceAccounts) {
    this.client = client;
    this.timeout = timeout;
    this.trustedHosts =
        client.guard().trustedHosts().stream()
            .map(h -> h.toLowerCase(Locale.ROOT))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.credentials = Caffeine.newBuilder().maximumSize(maxServiceAccounts).build();
  }

  /** The service account JSON parsed, and checked to be a service account key. */
  static JsonNode parse(String serviceAccountJson) {
    JsonNode json;
    try {
      json = WireJson.tree(serviceAccountJson);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(
          "The Vertex AI service account JSON is not valid JSON.", OPTION, null);
    }
    if (!json.isObject()
        || !"service_account".equals(json.path("type").asText())
        || !json.path("client_email").isTextual()
        || !json.path("private_key").isTextual()) {
      throw new InvalidRequestException(
          "The Vertex AI service account JSON must be a service account key (type"
              + " \"service_account\", with client_email and private_key).",
          OPTION,
          null);
    }
    return json;
  }

  /**
   * A valid access token for the service account, minted when none is cached or the cached one is
   * about to expire.
   *
   * @throws InvalidRequestException when the JSON is not a usable service account key, or names a
   *     token endpoint that is not allowed
   * @throws ProviderErrorException when the token endpoint refuses the key (401)
   */
  String token(String serviceAccountJson) {
    JsonNode json = parse(serviceAccountJson);
    URI tokenUri = checkTokenUri(json.path("token_uri"));
    GoogleCredentials scoped =
        credentials.get(digest(serviceAccountJson), key -> load(serviceAccountJson, tokenUri));
    try {
      scoped.refreshIfExpired();
      AccessToken token = scoped.getAccessToken();
      if (token == null) {
        throw refused("the token endpoint gave no access token");
      }
      return token.getTokenValue();
    } catch (IOException e) {
      HttpResponseException http =
          e instanceof HttpResponseException direct
              ? direct
              : e.getCause() instanceof HttpResponseException cause ? cause : null;
      String why =
          http != null
              ? "the token endpoint answered " + http.getStatusCode()
              : "the token endpoint refused it or could not be reached";
      throw refused(why);
    }
  }

  private GoogleCredentials load(String serviceAccountJson, URI tokenUri) {
    TokenEndpointTransport transport = new TokenEndpointTransport(client, tokenUri, timeout);
    try {
      return ServiceAccountCredentials.fromStream(
              new ByteArrayInputStream(serviceAccountJson.getBytes(StandardCharsets.UTF_8)),
              () -> transport)
          .createScoped(List.of(SCOPE));
    } catch (IOException | RuntimeException e) {
      // The library's message may quote the key: it is not passed on.
      throw new InvalidRequestException(
          "The Vertex AI service account JSON could not be read as a service account key.",
          OPTION,
          null);
    }
  }

  /** The token endpoint the key names, if it is allowed: Google's, or on a trusted host. */
  private URI checkTokenUri(JsonNode tokenUri) {
    if (tokenUri.isMissingNode() || tokenUri.isNull()) {
      return URI.create(GOOGLE_TOKEN_URI); // the library's default
    }
    String uri = tokenUri.asText();
    if (uri.equals(GOOGLE_TOKEN_URI)) {
      return URI.create(uri);
    }
    try {
      URI parsed = new URI(uri);
      String scheme = parsed.getScheme() == null ? "" : parsed.getScheme();
      if ((scheme.equals("https") || scheme.equals("http"))
          && parsed.getHost() != null
          && trustedHosts.contains(parsed.getHost().toLowerCase(Locale.ROOT))) {
        return parsed;
      }
    } catch (URISyntaxException e) {
      // refused below
    }
    throw new InvalidRequestException(
        "The service account's token_uri must be "
            + GOOGLE_TOKEN_URI
            + " or on a host in upstream.trusted-hosts.",
        OPTION,
        null);
  }

  private static ProviderErrorException refused(String why) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", "Could not get a Vertex AI access token for the service account: " + why);
    error.put("type", "UNAUTHENTICATED");
    error.putNull("param");
    error.putNull("code");
    return new ProviderErrorException(401, VertexProvider.NAME, error, List.of());
  }

  private static String digest(String json) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(json.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
