package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FakeVertex's token endpoint verifies the JWT-bearer grant as Google's does, and its API accepts
 * only the tokens it issued, for its project and region. The JWTs here are made by hand, so the
 * check does not lean on Google's library.
 */
class FakeVertexTest {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String EMAIL = "tester@switchboard-test.iam.gserviceaccount.com";
  static final String GEMINI =
      "/v1/projects/switchboard-test/locations/us-central1/publishers/google/models/"
          + "gemini-2.5-flash:generateContent";
  static final String HELLO = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Hi\"}]}]}";
  static KeyPair keys;
  static KeyPair stranger;
  static FakeVertex vertex;

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    keys = rsa.generateKeyPair();
    stranger = rsa.generateKeyPair();
    vertex = FakeVertex.builder().serviceAccount(EMAIL, keys.getPublic()).start();
  }

  @AfterAll
  static void stop() {
    vertex.close();
  }

  static String jwt(PrivateKey key, String issuer, String audience, long issuedAt, long expires)
      throws Exception {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String header =
        url.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        url.encodeToString(
            ("{\"iss\":\""
                    + issuer
                    + "\",\"scope\":\"https://www.googleapis.com/auth/cloud-platform\","
                    + "\"aud\":\""
                    + audience
                    + "\",\"iat\":"
                    + issuedAt
                    + ",\"exp\":"
                    + expires
                    + "}")
                .getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(key);
    signer.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header + "." + claims + "." + url.encodeToString(signer.sign());
  }

  static HttpResponse<String> token(String assertion) throws Exception {
    String form =
        "grant_type="
            + URLEncoder.encode(
                "urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
            + "&assertion="
            + assertion;
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create(vertex.tokenUri()))
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> call(String path, String body, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(vertex.origin() + path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static long now() {
    return Instant.now().getEpochSecond();
  }

  static String validToken() throws Exception {
    var response =
        token(jwt(keys.getPrivate(), EMAIL, FakeVertex.GOOGLE_TOKEN_URI, now(), now() + 3600));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response).path("access_token").asText();
  }

  @Test
  void issuesATokenForAnAssertionSignedWithTheAccountsKey() throws Exception {
    var response = token(jwt(keys.getPrivate(), EMAIL, vertex.tokenUri(), now(), now() + 3600));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = json(response);
    assertThat(answer.path("access_token").asText()).startsWith("ya29.");
    assertThat(answer.path("expires_in").asInt()).isEqualTo(3600);
    assertThat(answer.path("token_type").asText()).isEqualTo("Bearer");
  }

  @Test
  void refusesABadSignatureAnUnknownAccountOrAStaleAssertion() throws Exception {
    var forged =
        token(jwt(stranger.getPrivate(), EMAIL, FakeVertex.GOOGLE_TOKEN_URI, now(), now() + 60));
    var unknown =
        token(
            jwt(
                keys.getPrivate(),
                "nobody@example.iam.gserviceaccount.com",
                FakeVertex.GOOGLE_TOKEN_URI,
                now(),
                now() + 60));
    var stale =
        token(
            jwt(keys.getPrivate(), EMAIL, FakeVertex.GOOGLE_TOKEN_URI, now() - 7200, now() - 3600));
    var longLived =
        token(jwt(keys.getPrivate(), EMAIL, FakeVertex.GOOGLE_TOKEN_URI, now(), now() + 7200));

    assertThat(json(forged).path("error_description").asText()).isEqualTo("Invalid JWT Signature.");
    assertThat(json(unknown).path("error").asText()).isEqualTo("invalid_grant");
    for (var refused : java.util.List.of(forged, unknown, stale, longLived)) {
      assertThat(refused.statusCode()).isEqualTo(400);
    }
  }

  @Test
  void theApiTakesOnlyTokensItIssuedForItsProjectAndRegion() throws Exception {
    String token = validToken();

    var missing = call(GEMINI, HELLO, null);
    var invented = call(GEMINI, HELLO, "ya29.invented");
    var otherProject = call(GEMINI.replace("switchboard-test", "other"), HELLO, token);
    var ok = call(GEMINI, HELLO, token);

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(json(missing).at("/error/status").asText()).isEqualTo("UNAUTHENTICATED");
    assertThat(invented.statusCode()).isEqualTo(401);
    assertThat(otherProject.statusCode()).isEqualTo(403);
    assertThat(json(otherProject).at("/error/status").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json(ok).at("/candidates/0/content/parts/0/text").asText())
        .isEqualTo("Hello from Gemini. You said: Hi");
  }

  @Test
  void anIssuedTokenExpires() throws Exception {
    Instant start = Instant.now();
    MutableClock clock = new MutableClock(start);
    KeyPair own = keys;
    try (FakeVertex expiring =
        FakeVertex.builder()
            .serviceAccount(EMAIL, own.getPublic())
            .tokenLifetime(Duration.ofMinutes(5))
            .clock(clock)
            .start()) {
      String form =
          "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
              + jwt(own.getPrivate(), EMAIL, FakeVertex.GOOGLE_TOKEN_URI, now(), now() + 3600);
      var issued =
          CLIENT.send(
              HttpRequest.newBuilder(URI.create(expiring.tokenUri()))
                  .POST(HttpRequest.BodyPublishers.ofString(form))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      String token = json(issued).path("access_token").asText();
      HttpRequest call =
          HttpRequest.newBuilder(URI.create(expiring.origin() + GEMINI))
              .header("authorization", "Bearer " + token)
              .POST(HttpRequest.BodyPublishers.ofString(HELLO))
              .build();

      assertThat(CLIENT.send(call, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      clock.now = start.plus(Duration.ofMinutes(6));
      assertThat(CLIENT.send(call, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(401);
    }
  }

  @Test
  void claudeTakesTheVertexBodyAndStreamsAnthropicsEvents() throws Exception {
    String token = validToken();
    String base =
        "/v1/projects/switchboard-test/locations/us-central1/publishers/anthropic/models/"
            + "claude-sonnet-4-5@20250929";
    String body =
        "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":20,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    var whole = call(base + ":rawPredict", body, token);
    var withModel = call(base + ":rawPredict", body.replace("{", "{\"model\":\"x\","), token);
    var noVersion =
        call(base + ":rawPredict", body.replace("vertex-2023-10-16", "2023-06-01"), token);
    var streamed = call(base + ":streamRawPredict", body.replace("{", "{\"stream\":true,"), token);

    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    assertThat(json(whole).path("type").asText()).isEqualTo("message");
    assertThat(json(whole).path("model").asText()).isEqualTo("claude-sonnet-4-5@20250929");
    assertThat(withModel.statusCode()).isEqualTo(400);
    assertThat(noVersion.statusCode()).isEqualTo(400);
    assertThat(streamed.body()).startsWith("event: message_start\ndata: {");
    assertThat(streamed.body()).contains("event: message_stop");
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
