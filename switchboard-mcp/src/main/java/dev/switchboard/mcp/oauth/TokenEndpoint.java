package dev.switchboard.mcp.oauth;

import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.as.AuthorizationServerMetadata;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * Token requests to an authorization server's token endpoint (RFC 6749 §4.1.3, §4.4, §6), each with
 * RFC 8707's {@code resource} naming the MCP server, through the Nimbus OAuth SDK. A refusal
 * becomes a {@link Refused} naming the OAuth error code, never a token.
 */
final class TokenEndpoint {
  private static final int TIMEOUT_MS = 10_000;

  /** The authorization server refused the grant ({@code invalid_grant}, …). */
  static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final String clientId;
  private final Supplier<String> clientSecret;
  private final Clock clock;

  /**
   * @param clientSecret the client secret, read when a request is made; {@code null} for a public
   *     client (PKCE only)
   */
  TokenEndpoint(String clientId, Supplier<String> clientSecret, Clock clock) {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.clock = clock;
  }

  TokenSet request(
      Discovery.Found found, AuthorizationGrant grant, List<String> scopes, String keptRefresh) {
    AuthorizationServerMetadata metadata = found.metadata();
    TokenRequest.Builder builder;
    ClientID client = new ClientID(clientId);
    if (clientSecret == null) {
      builder = new TokenRequest.Builder(metadata.getTokenEndpointURI(), client, grant);
    } else {
      Secret secret = new Secret(clientSecret.get());
      List<ClientAuthenticationMethod> methods = metadata.getTokenEndpointAuthMethods();
      boolean postOnly =
          methods != null
              && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
              && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST);
      builder =
          new TokenRequest.Builder(
              metadata.getTokenEndpointURI(),
              postOnly
                  ? new ClientSecretPost(client, secret)
                  : new ClientSecretBasic(client, secret),
              grant);
    }
    if (!scopes.isEmpty()) {
      builder.scope(new Scope(scopes.toArray(String[]::new)));
    }
    builder.resource(found.resource());
    HTTPRequest http = builder.build().toHTTPRequest();
    http.setConnectTimeout(TIMEOUT_MS);
    http.setReadTimeout(TIMEOUT_MS);
    TokenResponse answer;
    try {
      HTTPResponse response = http.send();
      answer = TokenResponse.parse(response);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the token endpoint " + metadata.getTokenEndpointURI() + " could not be reached");
    } catch (ParseException e) {
      throw new IllegalStateException(
          "the token endpoint " + metadata.getTokenEndpointURI() + " answered invalidly");
    }
    if (!answer.indicatesSuccess()) {
      TokenErrorResponse error = answer.toErrorResponse();
      String code =
          error.getErrorObject() == null
              ? "error"
              : String.valueOf(error.getErrorObject().getCode());
      throw new Refused("the authorization server refused the grant (" + code + ")");
    }
    Tokens tokens = answer.toSuccessResponse().getTokens();
    long lifetime = tokens.getAccessToken().getLifetime();
    RefreshToken refresh = tokens.getRefreshToken();
    return new TokenSet(
        tokens.getAccessToken().getValue(),
        refresh != null ? refresh.getValue() : keptRefresh,
        lifetime > 0 ? clock.instant().plusSeconds(lifetime) : null);
  }
}
