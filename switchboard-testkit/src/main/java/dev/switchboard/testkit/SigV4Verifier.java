package dev.switchboard.testkit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 the way AWS does, recomputed from the published algorithm
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) with
 * the secret the fake was given; independent of the AWS SDK on purpose, so that a signer's bug
 * cannot hide behind the same code on both sides.
 */
final class SigV4Verifier {
  static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
  private static final Duration ALLOWED_SKEW = Duration.ofMinutes(5);

  private final String accessKeyId;
  private final String secretAccessKey;
  private final String sessionToken;
  private final String region;
  private final String service;
  private final Clock clock;

  SigV4Verifier(
      String accessKeyId,
      String secretAccessKey,
      String sessionToken,
      String region,
      String service,
      Clock clock) {
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    this.sessionToken = sessionToken;
    this.region = region;
    this.service = service;
    this.clock = clock;
  }

  /** Why AWS would refuse the request: its error name and message. */
  record Refusal(String errorType, String message) {}

  /**
   * {@code null} when the signature is good; else AWS's error for it.
   *
   * @param rawPath the path as sent, still percent-encoded
   * @param rawQuery the query as sent, or {@code null}
   * @param headers the request's headers, any case; a name may repeat
   */
  Refusal verify(
      String method,
      String rawPath,
      String rawQuery,
      List<Map.Entry<String, String>> headers,
      byte[] body) {
    String authorization = first(headers, "authorization");
    if (authorization == null) {
      return new Refusal("MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    if (!authorization.startsWith(ALGORITHM + " ")) {
      return new Refusal(
          "IncompleteSignatureException",
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    Map<String, String> parts = new TreeMap<>();
    for (String part : authorization.substring(ALGORITHM.length() + 1).split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
      }
    }
    String credential = parts.get("Credential");
    String signedHeaders = parts.get("SignedHeaders");
    String signature = parts.get("Signature");
    if (credential == null || signedHeaders == null || signature == null) {
      return new Refusal(
          "IncompleteSignatureException",
          "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'"
              + " parameters.");
    }
    String[] scope = credential.split("/");
    if (scope.length != 5 || !scope[4].equals("aws4_request")) {
      return new Refusal(
          "IncompleteSignatureException",
          "Credential should have the form key/date/region/service/aws4_request.");
    }
    if (!scope[0].equals(accessKeyId)) {
      return new Refusal(
          "UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    String amzDate = first(headers, "x-amz-date");
    if (amzDate == null) {
      return new Refusal(
          "IncompleteSignatureException",
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    Instant signedAt;
    try {
      signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      return new Refusal(
          "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'.");
    }
    Instant now = clock.instant();
    if (Duration.between(signedAt, now).abs().compareTo(ALLOWED_SKEW) > 0) {
      String nowText = AMZ_DATE.format(now.atOffset(ZoneOffset.UTC));
      return new Refusal(
          "InvalidSignatureException",
          "Signature expired: "
              + amzDate
              + " is now earlier than "
              + AMZ_DATE.format(now.minus(ALLOWED_SKEW).atOffset(ZoneOffset.UTC))
              + " ("
              + nowText
              + " - 5 min.)");
    }
    if (!scope[1].equals(amzDate.substring(0, 8))) {
      return new Refusal(
          "InvalidSignatureException",
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from"
              + " HTTP: '"
              + scope[1]
              + "' != '"
              + amzDate.substring(0, 8)
              + "', from '"
              + amzDate
              + "'.");
    }
    if (!scope[2].equals(region)) {
      return new Refusal(
          "InvalidSignatureException",
          "Credential should be scoped to a valid region, not '" + scope[2] + "'. ");
    }
    if (!scope[3].equals(service)) {
      return new Refusal(
          "InvalidSignatureException",
          "Credential should be scoped to correct service: '" + service + "'. ");
    }
    List<String> signed = List.of(signedHeaders.split(";"));
    if (!signed.contains("host")) {
      return new Refusal(
          "InvalidSignatureException",
          "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    String token = first(headers, "x-amz-security-token");
    if (sessionToken != null && (token == null || !token.equals(sessionToken))) {
      return new Refusal(
          "UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    if (sessionToken == null && token != null) {
      return new Refusal(
          "UnrecognizedClientException", "The security token included in the request is invalid.");
    }
    for (String name : signed) {
      if (first(headers, name) == null) {
        return new Refusal(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided."
                + " Check your AWS Secret Access Key and signing method. Consult the service"
                + " documentation for details.");
      }
    }
    String payloadHash = hex(sha256(body));
    String canonicalRequest =
        method
            + "\n"
            + canonicalUri(rawPath)
            + "\n"
            + canonicalQuery(rawQuery)
            + "\n"
            + canonicalHeaders(signed, headers)
            + "\n"
            + signedHeaders
            + "\n"
            + payloadHash;
    String scopeText = scope[1] + "/" + scope[2] + "/" + scope[3] + "/aws4_request";
    String stringToSign =
        ALGORITHM
            + "\n"
            + amzDate
            + "\n"
            + scopeText
            + "\n"
            + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secretAccessKey).getBytes(StandardCharsets.UTF_8), scope[1]);
    key = hmac(key, scope[2]);
    key = hmac(key, scope[3]);
    key = hmac(key, "aws4_request");
    String expected = hex(hmac(key, stringToSign));
    if (!MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.US_ASCII),
        signature.getBytes(StandardCharsets.US_ASCII))) {
      return new Refusal(
          "InvalidSignatureException",
          "The request signature we calculated does not match the signature you provided. Check"
              + " your AWS Secret Access Key and signing method. Consult the service documentation"
              + " for details.");
    }
    return null;
  }

  /**
   * Each segment of the path as sent, URI-encoded once more: every AWS service but S3 signs the
   * path encoded twice.
   */
  static String canonicalUri(String rawPath) {
    if (rawPath == null || rawPath.isEmpty()) {
      return "/";
    }
    StringBuilder out = new StringBuilder();
    String[] segments = rawPath.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) {
        out.append('/');
      }
      out.append(uriEncode(segments[i]));
    }
    return out.toString();
  }

  private static String canonicalQuery(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return "";
    }
    List<String> pairs = new ArrayList<>();
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      pairs.add(uriEncode(decode(name)) + "=" + uriEncode(decode(value)));
    }
    pairs.sort(null);
    return String.join("&", pairs);
  }

  private static String decode(String text) {
    return java.net.URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String canonicalHeaders(
      List<String> signed, List<Map.Entry<String, String>> headers) {
    StringBuilder out = new StringBuilder();
    for (String name : signed) {
      List<String> values = new ArrayList<>();
      for (Map.Entry<String, String> header : headers) {
        if (header.getKey().toLowerCase(Locale.ROOT).equals(name)) {
          values.add(header.getValue().strip().replaceAll(" +", " "));
        }
      }
      out.append(name).append(':').append(String.join(",", values)).append('\n');
    }
    return out.toString();
  }

  /** RFC 3986 encoding as SigV4 specifies it: unreserved characters as they are, the rest %XX. */
  static String uriEncode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String first(List<Map.Entry<String, String>> headers, String name) {
    for (Map.Entry<String, String> header : headers) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return header.getValue();
      }
    }
    return null;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
