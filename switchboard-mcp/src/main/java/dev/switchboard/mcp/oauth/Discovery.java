package dev.switchboard.mcp.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds an MCP server's authorization server as the MCP authorization specification (2025-06-18,
 * "Authorization Server Discovery") has a client do: a request without a token, whose 401 names the
 * protected resource metadata in {@code WWW-Authenticate: Bearer resource_metadata="…"} (RFC 9728
 * §5.1; the well-known URI of RFC 9728 §3 when it does not), whose {@code authorization_servers}
 * names the issuer, whose metadata (RFC 8414 §3, then OpenID Connect Discovery) gives the
 * endpoints.
 */
final class Discovery {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RESOURCE_METADATA =
      Pattern.compile("resource_metadata\\s*=\\s*\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /**
   * What discovery found.
   *
   * @param resource the MCP server's resource identifier, sent as RFC 8707's {@code resource}
   * @param metadata the authorization server's endpoints
   * @param scopesSupported the resource's {@code scopes_supported}, asked for when the settings
   *     name no scopes
   */
  record Found(URI resource, AuthorizationServerMetadata metadata, List<String> scopesSupported) {}

  private final HttpClient http;

  Discovery(HttpClient http) {
    this.http = http;
  }

  /**
   * Discovers the authorization server of the MCP server at {@code server}.
   *
   * @throws IllegalStateException naming the step that failed (never a token: none is held yet)
   */
  Found discover(URI server) {
    URI metadataUrl = resourceMetadataFromChallenge(server);
    List<URI> candidates = new ArrayList<>();
    if (metadataUrl != null) {
      candidates.add(metadataUrl);
    } else {
      String path = server.getRawPath() == null ? "" : server.getRawPath();
      candidates.add(origin(server).resolve("/.well-known/oauth-protected-resource" + path));
      candidates.add(origin(server).resolve("/.well-known/oauth-protected-resource"));
    }
    JsonNode resourceMetadata = null;
    for (URI candidate : candidates) {
      resourceMetadata = getJson(candidate);
      if (resourceMetadata != null) {
        break;
      }
    }
    if (resourceMetadata == null) {
      throw new IllegalStateException(
          "the MCP server at " + server + " publishes no protected resource metadata (RFC 9728)");
    }
    JsonNode servers = resourceMetadata.path("authorization_servers");
    if (!servers.isArray() || servers.isEmpty()) {
      throw new IllegalStateException(
          "the protected resource metadata of " + server + " names no authorization_servers");
    }
    URI resource = server;
    String declared = resourceMetadata.path("resource").asText(null);
    if (declared != null) {
      URI declaredUri = URI.create(declared);
      // RFC 9728 §3.3: the metadata is for the resource the client asked about.
      if (!origin(declaredUri).equals(origin(server))) {
        throw new IllegalStateException(
            "the protected resource metadata of " + server + " is for another resource");
      }
      resource = declaredUri;
    }
    List<String> scopes = new ArrayList<>();
    resourceMetadata.path("scopes_supported").forEach(scope -> scopes.add(scope.asText()));
    URI issuer = checked(URI.create(servers.get(0).asText()));
    return new Found(resource, authorizationServer(issuer), List.copyOf(scopes));
  }

  /** RFC 8414 §3.1's well-known URI (inserted before the issuer's path), then OpenID's. */
  private AuthorizationServerMetadata authorizationServer(URI issuer) {
    String path =
        issuer.getRawPath() == null || issuer.getRawPath().equals("/") ? "" : issuer.getRawPath();
    List<URI> candidates =
        List.of(
            origin(issuer).resolve("/.well-known/oauth-authorization-server" + path),
            origin(issuer).resolve("/.well-known/openid-configuration" + path),
            URI.create(stripSlash(issuer.toString()) + "/.well-known/openid-configuration"));
    for (URI candidate : candidates) {
      JsonNode document = getJson(candidate);
      if (document == null) {
        continue;
      }
      AuthorizationServerMetadata metadata;
      try {
        metadata = AuthorizationServerMetadata.parse(document.toString());
      } catch (ParseException e) {
        throw new IllegalStateException(
            "the authorization server metadata at " + candidate + " is invalid: " + e.getMessage());
      }
      if (!stripSlash(metadata.getIssuer().getValue()).equals(stripSlash(issuer.toString()))) {
        throw new IllegalStateException(
            "the authorization server metadata at " + candidate + " is for another issuer");
      }
      checked(metadata.getTokenEndpointURI());
      if (metadata.getAuthorizationEndpointURI() != null) {
        checked(metadata.getAuthorizationEndpointURI());
      }
      return metadata;
    }
    throw new IllegalStateException("no authorization server metadata found for " + issuer);
  }

  private URI resourceMetadataFromChallenge(URI server) {
    HttpRequest probe =
        HttpRequest.newBuilder(server)
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    """
                    {"jsonrpc":"2.0","id":0,"method":"ping"}\
                    """))
            .build();
    try {
      HttpResponse<Void> answer = http.send(probe, HttpResponse.BodyHandlers.discarding());
      if (answer.statusCode() != 401) {
        return null;
      }
      for (String challenge : answer.headers().allValues("WWW-Authenticate")) {
        Matcher found = RESOURCE_METADATA.matcher(challenge);
        if (found.find()) {
          return checked(server.resolve(found.group(1)));
        }
      }
      return null;
    } catch (IOException e) {
      throw new IllegalStateException("the MCP server at " + server + " could not be reached", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private JsonNode getJson(URI url) {
    try {
      HttpResponse<String> answer =
          http.send(
              HttpRequest.newBuilder(url)
                  .timeout(TIMEOUT)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() != 200) {
        return null;
      }
      JsonNode document = JSON.readTree(answer.body());
      return document.isObject() ? document : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * An endpoint the metadata names: HTTPS, as OAuth 2.1 requires, or plain HTTP on a loopback
   * address (a server on the gateway's own machine).
   */
  static URI checked(URI url) {
    if ("https".equals(url.getScheme())) {
      return url;
    }
    if ("http".equals(url.getScheme()) && url.getHost() != null && loopback(url.getHost())) {
      return url;
    }
    throw new IllegalStateException(
        "the authorization endpoint " + url + " is neither https nor on a loopback address");
  }

  private static boolean loopback(String host) {
    // Literals only: a name would need a DNS lookup, whose answer may change.
    return host.equals("localhost")
        || host.equals("[::1]")
        || host.equals("::1")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  private static URI origin(URI url) {
    return URI.create(url.getScheme() + "://" + url.getRawAuthority());
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
