package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.wire.WireJson;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Portkey's {@code default.jwt}: the token in a request header ({@code headerKey}, {@code
 * Authorization} by default, {@code Bearer} stripped) must be signed by a key of the JWKS at {@code
 * jwksUri} (found by {@code kid}; the set is fetched again once when the kid is unknown), unexpired
 * and not too old ({@code clockTolerance}, 5 s; {@code maxTokenAge}, 1d, against {@code iat}). The
 * JWKS is cached for {@code cacheMaxAge} seconds (a day). RS256/384/512, PS256/384/512 and
 * ES256/384/512; other algorithms fail the check.
 */
final class Jwt {
  private Jwt() {}

  /** A JWKS and when it expires. */
  record CachedKeys(JsonNode keys, Instant expires) {}

  static CheckResult check(CheckContext context, ObjectNode parameters) {
    String jwksUri = parameters.path("jwksUri").asText("");
    if (jwksUri.isEmpty()) {
      throw new CheckFailure("Missing JWKS URI");
    }
    String headerKey = parameters.path("headerKey").asText("Authorization");
    String header = context.headers().get(headerKey.toLowerCase(java.util.Locale.ROOT));
    if (header == null || header.isBlank()) {
      return fail("The request has no " + headerKey + " header.");
    }
    String token = header.replaceFirst("(?i)^Bearer\\s+", "").strip();
    long tolerance = parameters.path("clockTolerance").asLong(5);
    long cacheMaxAge = parameters.path("cacheMaxAge").asLong(86_400);
    Duration maxAge = duration(parameters.path("maxTokenAge").asText("1d"));
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return fail("The token is not a JWS in compact form.");
    }
    JsonNode head;
    JsonNode claims;
    byte[] signature;
    try {
      head = WireJson.tree(decode(parts[0]));
      claims = WireJson.tree(decode(parts[1]));
      signature = decode(parts[2]);
    } catch (RuntimeException e) {
      return fail("The token is malformed.");
    }
    String kid = head.path("kid").asText(null);
    if (kid == null) {
      return fail("The token's header has no kid.");
    }
    JsonNode jwk = find(keys(context, jwksUri, cacheMaxAge, false), kid);
    if (jwk == null) {
      jwk = find(keys(context, jwksUri, cacheMaxAge, true), kid);
    }
    if (jwk == null) {
      return fail("No key of the JWKS has the token's kid.");
    }
    String alg = head.path("alg").asText("");
    try {
      if (!verify(
          alg, jwk, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature)) {
        return fail("The token's signature does not verify.");
      }
    } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
      return fail("The token's signature could not be checked with the key (" + alg + ").");
    }
    long now = context.services().clock.instant().getEpochSecond();
    if (claims.has("exp") && now - tolerance >= claims.path("exp").asLong()) {
      return fail("The token has expired.");
    }
    if (claims.has("nbf") && now + tolerance < claims.path("nbf").asLong()) {
      return fail("The token is not valid yet.");
    }
    if (!claims.path("iat").isNumber()) {
      return fail("The token has no iat claim, and a maximum age is set.");
    }
    if (now - claims.path("iat").asLong() - tolerance > maxAge.toSeconds()) {
      return fail("The token is older than " + maxAge + ".");
    }
    return CheckResult.of(true, data().put("verdict", true));
  }

  private static CheckResult fail(String why) {
    return CheckResult.of(false, data().put("verdict", false).put("explanation", why));
  }

  private static boolean verify(String alg, JsonNode jwk, byte[] signed, byte[] signature)
      throws java.security.GeneralSecurityException {
    PublicKey key = publicKey(jwk);
    Signature verifier =
        switch (alg) {
          case "RS256" -> Signature.getInstance("SHA256withRSA");
          case "RS384" -> Signature.getInstance("SHA384withRSA");
          case "RS512" -> Signature.getInstance("SHA512withRSA");
          case "PS256", "PS384", "PS512" -> {
            int bits = Integer.parseInt(alg.substring(2));
            String hash = "SHA-" + bits;
            Signature pss = Signature.getInstance("RSASSA-PSS");
            pss.setParameter(
                new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), bits / 8, 1));
            yield pss;
          }
          case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
          case "ES384" -> Signature.getInstance("SHA384withECDSAinP1363Format");
          case "ES512" -> Signature.getInstance("SHA512withECDSAinP1363Format");
          default -> throw new IllegalArgumentException("unsupported algorithm");
        };
    verifier.initVerify(key);
    verifier.update(signed);
    return verifier.verify(signature);
  }

  private static PublicKey publicKey(JsonNode jwk) throws java.security.GeneralSecurityException {
    switch (jwk.path("kty").asText()) {
      case "RSA" -> {
        return KeyFactory.getInstance("RSA")
            .generatePublic(
                new RSAPublicKeySpec(
                    new BigInteger(1, decode(jwk.path("n").asText())),
                    new BigInteger(1, decode(jwk.path("e").asText()))));
      }
      case "EC" -> {
        String curve =
            switch (jwk.path("crv").asText()) {
              case "P-256" -> "secp256r1";
              case "P-384" -> "secp384r1";
              case "P-521" -> "secp521r1";
              default -> throw new IllegalArgumentException("unsupported curve");
            };
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec(curve));
        ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
        ECPoint point =
            new ECPoint(
                new BigInteger(1, decode(jwk.path("x").asText())),
                new BigInteger(1, decode(jwk.path("y").asText())));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
      }
      default -> throw new IllegalArgumentException("unsupported key type");
    }
  }

  private static JsonNode find(JsonNode jwks, String kid) {
    for (JsonNode key : jwks.path("keys")) {
      if (kid.equals(key.path("kid").asText(null))) {
        return key;
      }
    }
    return null;
  }

  private static JsonNode keys(
      CheckContext context, String jwksUri, long maxAgeSeconds, boolean refresh) {
    Instant now = context.services().clock.instant();
    CachedKeys cached = context.services().jwks.get(jwksUri);
    if (!refresh && cached != null && cached.expires().isAfter(now)) {
      return cached.keys();
    }
    URI uri = RemoteChecks.uri(jwksUri, "Invalid JWKS URI");
    UpstreamRequest request =
        new UpstreamRequest(
            "guardrail",
            "GET",
            uri,
            List.of(Map.entry("accept", "application/json")),
            null,
            Duration.ofSeconds(5),
            false);
    try (UpstreamResponse response = context.services().upstream.send(request)) {
      byte[] body = response.readBody(1 << 20);
      if (!response.isSuccess()) {
        throw new CheckFailure("Failed to fetch JWKS from " + jwksUri);
      }
      JsonNode keys = WireJson.tree(body);
      context.services().jwks.put(jwksUri, new CachedKeys(keys, now.plusSeconds(maxAgeSeconds)));
      return keys;
    } catch (GatewayException e) {
      throw new CheckFailure("Failed to fetch JWKS from " + jwksUri);
    } catch (RuntimeException e) {
      if (e instanceof CheckFailure failure) {
        throw failure;
      }
      throw new CheckFailure("The JWKS at " + jwksUri + " is not JSON");
    }
  }

  private static final Pattern AGE =
      Pattern.compile(
          "(\\d+)\\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)");

  static Duration duration(String text) {
    Matcher matcher = AGE.matcher(text.strip().toLowerCase(java.util.Locale.ROOT));
    if (!matcher.matches()) {
      throw new CheckFailure("Invalid maxTokenAge: " + text);
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2).charAt(0)) {
      case 's' -> Duration.ofSeconds(amount);
      case 'm' -> Duration.ofMinutes(amount);
      case 'h' -> Duration.ofHours(amount);
      case 'd' -> Duration.ofDays(amount);
      default -> Duration.ofDays(7 * amount);
    };
  }

  private static byte[] decode(String base64url) {
    return Base64.getUrlDecoder().decode(base64url);
  }
}
