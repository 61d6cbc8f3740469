package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The scanner the secret tests rely on finds a secret in each form it can leak in. */
class CanaryScannerTest {
  static final String SECRET = "sbk-Canary_Zq9-x/+y==k";

  @Test
  void findsTheSecretRawUrlEncodedBase64AndAsItsSha256() throws Exception {
    byte[] bytes = SECRET.getBytes(StandardCharsets.UTF_8);
    assertThat(CanaryScanner.total("a " + SECRET + " b", SECRET)).isEqualTo(1);
    assertThat(
            CanaryScanner.occurrences(
                "?k=" + URLEncoder.encode(SECRET, StandardCharsets.UTF_8), SECRET))
        .containsKey("url-encoded");
    for (String prefix : new String[] {"", "u:", "us:", "usr:"}) {
      byte[] withPrefix = (prefix + SECRET).getBytes(StandardCharsets.UTF_8);
      assertThat(
              CanaryScanner.total(
                  "Basic " + Base64.getEncoder().encodeToString(withPrefix) + "\n", SECRET))
          .as("base64 after %s", prefix)
          .isPositive();
      assertThat(
              CanaryScanner.total(
                  Base64.getUrlEncoder().withoutPadding().encodeToString(withPrefix), SECRET))
          .as("base64url after %s", prefix)
          .isPositive();
    }
    String hex =
        HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    assertThat(CanaryScanner.occurrences("hash=" + hex, SECRET)).containsKey("sha256-hex");
    assertThat(CanaryScanner.occurrences("hash=" + hex.toUpperCase(), SECRET))
        .containsKey("sha256-HEX");
    assertThat(CanaryScanner.total("sbk-Canary_Zq9-x/+y==K and nothing else", SECRET)).isZero();
  }
}
