package dev.switchboard.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The operator's admin token ({@code admin.token}), kept only as its SHA-256 digest, and how a
 * request presents it: {@code Authorization: Bearer <token>}, or HTTP Basic whose password is the
 * token (any user name, so a browser's login prompt works). Compared in constant time, as digests,
 * so neither the token's content nor its length leaks through timing. The token never appears in an
 * answer or a log.
 */
final class AdminToken {
  /** The realm a browser names when it asks for the token (HTTP Basic, the token as password). */
  static final String REALM = "switchboard";

  /** The challenge that has a browser ask for the token. */
  static final String BASIC_CHALLENGE = "Basic realm=\"" + REALM + "\"";

  private final byte[] digest;

  private AdminToken(byte[] digest) {
    this.digest = digest;
  }

  /** The token, or {@code null} when none is set. */
  static AdminToken of(String token) {
    return token == null ? null : new AdminToken(sha256(token));
  }

  /** Whether {@code request} carries this token. */
  boolean presentedBy(Request request) {
    String presented = presented(request);
    return presented != null && MessageDigest.isEqual(digest, sha256(presented));
  }

  /** The token a request presents in its {@code Authorization} header, Bearer or Basic, or null. */
  static String presented(Request request) {
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (authorization == null) {
      return null;
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0) {
      return null;
    }
    String scheme = value.substring(0, space);
    String credentials = value.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return credentials.isEmpty() ? null : credentials;
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(credentials), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : decoded.substring(colon + 1);
      } catch (IllegalArgumentException notBase64) {
        return null;
      }
    }
    return null;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
