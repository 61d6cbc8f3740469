package dev.switchboard.server.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OAuth 2.1 authorization server on a loopback port, speaking the published formats: its
 * metadata at RFC 8414's well-known URI, an authorization endpoint (RFC 6749 §4.1.1, PKCE S256 of
 * RFC 7636 required, RFC 8707's {@code resource} required) that signs in as {@link #signInAs} at
 * once and sends the browser back with a code, and a token endpoint (client credentials with {@code
 * client_secret_basic}, authorization code with its verifier, refresh tokens; errors as RFC 6749
 * §5.2). Its tokens hold {@link #marker} so that a test can search for them anywhere.
 */
final class FakeAuthorizationServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Grant(String subject, String resource, Instant expires) {}

  private record Code(
      String subject, String clientId, String redirectUri, String challenge, String resource) {}

  final String clientId;
  final String clientSecret;
  final String marker;
  volatile String signInAs = "alice";
  volatile long tokenLifetimeSeconds = 3600;

  /** While set, the token endpoint closes each connection without an answer. */
  volatile boolean tokenEndpointBreaksOff;

  /** The grant types asked for at the token endpoint, in order. */
  final List<String> grantsAsked = new CopyOnWriteArrayList<>();

  /** The query parameters of each authorization request. */
  final List<Map<String, String>> authorizationRequests = new CopyOnWriteArrayList<>();

  private final Map<String, Grant> accessTokens = new ConcurrentHashMap<>();
  private final Map<String, Grant> refreshTokens = new ConcurrentHashMap<>();
  private final Map<String, Code> codes = new ConcurrentHashMap<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final HttpServer http;

  FakeAuthorizationServer(String clientId, String clientSecret, String marker) throws IOException {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.marker = marker;
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/.well-known/oauth-authorization-server", this::metadata);
    http.createContext("/authorize", this::authorize);
    http.createContext("/token", this::token);
    http.start();
  }

  URI issuer() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
  }

  /** Who a token was issued to, while it is valid and for {@code resource}. */
  Optional<String> subjectOf(String accessToken, String resource) {
    Grant grant = accessTokens.get(accessToken);
    if (grant == null
        || grant.expires().isBefore(Instant.now())
        || !grant.resource().equals(resource)) {
      return Optional.empty();
    }
    return Optional.of(grant.subject());
  }

  /** Every access token issued so far expires now (as time passing would). */
  void expireAccessTokens() {
    accessTokens.replaceAll(
        (token, grant) -> new Grant(grant.subject(), grant.resource(), Instant.EPOCH));
  }

  /** Revokes every token of {@code subject}, refresh tokens too. */
  void revokeAll(String subject) {
    accessTokens.values().removeIf(grant -> grant.subject().equals(subject));
    refreshTokens.values().removeIf(grant -> grant.subject().equals(subject));
  }

  private void metadata(HttpExchange exchange) throws IOException {
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("issuer", issuer().toString());
    metadata.put("authorization_endpoint", issuer() + "/authorize");
    metadata.put("token_endpoint", issuer() + "/token");
    metadata.putArray("response_types_supported").add("code");
    metadata
        .putArray("grant_types_supported")
        .add("authorization_code")
        .add("client_credentials")
        .add("refresh_token");
    metadata.putArray("code_challenge_methods_supported").add("S256");
    metadata
        .putArray("token_endpoint_auth_methods_supported")
        .add("client_secret_basic")
        .add("none");
    answer(exchange, 200, metadata);
  }

  private void authorize(HttpExchange exchange) throws IOException {
    Map<String, String> query = form(exchange.getRequestURI().getRawQuery());
    authorizationRequests.add(query);
    String redirect = query.get("redirect_uri");
    if (!"code".equals(query.get("response_type"))
        || !clientId.equals(query.get("client_id"))
        || redirect == null
        || !"S256".equals(query.get("code_challenge_method"))
        || query.get("code_challenge") == null
        || query.get("resource") == null) {
      answer(exchange, 400, error("invalid_request"));
      return;
    }
    String code = "code-" + issued.incrementAndGet();
    codes.put(
        code,
        new Code(signInAs, clientId, redirect, query.get("code_challenge"), query.get("resource")));
    String location =
        redirect
            + (redirect.contains("?") ? "&" : "?")
            + "code="
            + code
            + "&state="
            + URLEncoder.encode(query.get("state"), StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Location", location);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }

  private void token(HttpExchange exchange) throws IOException {
    if (tokenEndpointBreaksOff) {
      exchange.close();
      return;
    }
    Map<String, String> form =
        form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    String grantType = form.get("grant_type");
    grantsAsked.add(String.valueOf(grantType));
    String basic = exchange.getRequestHeaders().getFirst("Authorization");
    boolean authenticated =
        basic != null
            && basic.equals(
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (enc(clientId) + ":" + enc(clientSecret))
                                .getBytes(StandardCharsets.UTF_8)));
    boolean publicClient = basic == null && clientId.equals(form.get("client_id"));
    if (!authenticated && !publicClient) {
      answer(exchange, 401, error("invalid_client"));
      return;
    }
    String resource = form.get("resource");
    switch (String.valueOf(grantType)) {
      case "client_credentials" -> {
        if (!authenticated || resource == null) {
          answer(exchange, 400, error(authenticated ? "invalid_request" : "unauthorized_client"));
          return;
        }
        answer(exchange, 200, issue("client:" + clientId, resource, false));
      }
      case "authorization_code" -> {
        Code code = codes.remove(String.valueOf(form.get("code")));
        if (code == null
            || !code.redirectUri().equals(form.get("redirect_uri"))
            || form.get("code_verifier") == null
            || !s256(form.get("code_verifier")).equals(code.challenge())
            || (resource != null && !resource.equals(code.resource()))) {
          answer(exchange, 400, error("invalid_grant"));
          return;
        }
        answer(exchange, 200, issue(code.subject(), code.resource(), true));
      }
      case "refresh_token" -> {
        Grant grant = refreshTokens.remove(String.valueOf(form.get("refresh_token")));
        if (grant == null) {
          answer(exchange, 400, error("invalid_grant"));
          return;
        }
        answer(exchange, 200, issue(grant.subject(), grant.resource(), true));
      }
      default -> answer(exchange, 400, error("unsupported_grant_type"));
    }
  }

  private ObjectNode issue(String subject, String resource, boolean refreshable) {
    String access = "at-" + marker + "-" + issued.incrementAndGet();
    accessTokens.put(
        access, new Grant(subject, resource, Instant.now().plusSeconds(tokenLifetimeSeconds)));
    ObjectNode answer = JSON.createObjectNode();
    answer.put("access_token", access);
    answer.put("token_type", "Bearer");
    answer.put("expires_in", tokenLifetimeSeconds);
    if (refreshable) {
      String refresh = "rt-" + marker + "-" + issued.incrementAndGet();
      refreshTokens.put(refresh, new Grant(subject, resource, Instant.MAX));
      answer.put("refresh_token", refresh);
    }
    return answer;
  }

  private static ObjectNode error(String code) {
    return JSON.createObjectNode().put("error", code);
  }

  private static String s256(String verifier) {
    try {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static Map<String, String> form(String encoded) {
    Map<String, String> values = new LinkedHashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return values;
    }
    for (String pair : encoded.split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      values.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return values;
  }

  private static void answer(HttpExchange exchange, int status, ObjectNode body)
      throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.getResponseHeaders().add("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
