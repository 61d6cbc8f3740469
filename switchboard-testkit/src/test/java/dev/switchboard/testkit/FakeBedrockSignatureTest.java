package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fake accepts what AWS accepts and refuses, with AWS's errors, what AWS refuses. */
class FakeBedrockSignatureTest {
  static final String CONVERSE = "/model/amazon.nova-lite-v1%3A0/converse";
  static final String HELLO =
      "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello\"}]}]}";
  static FakeBedrock bedrock;

  @BeforeAll
  static void start() {
    bedrock = FakeBedrock.start();
  }

  @AfterAll
  static void stop() {
    bedrock.close();
  }

  @Test
  void recomputesAwsPublishedGetVanillaSignature() {
    // The get-vanilla case of AWS's SigV4 test suite: AKIDEXAMPLE, 20150830T123600Z, us-east-1.
    var verifier =
        new SigV4Verifier(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            null,
            "us-east-1",
            "service",
            Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC));
    String good = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    assertThat(verifier.verify("GET", "/", null, vanillaHeaders(good), new byte[0])).isNull();
    String bad = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf32";
    assertThat(verifier.verify("GET", "/", null, vanillaHeaders(bad), new byte[0]))
        .extracting(SigV4Verifier.Refusal::errorType)
        .isEqualTo("InvalidSignatureException");
  }

  private static List<Map.Entry<String, String>> vanillaHeaders(String signature) {
    return List.of(
        Map.entry("Host", "example.amazonaws.com"),
        Map.entry("X-Amz-Date", "20150830T123600Z"),
        Map.entry(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
                + " SignedHeaders=host;x-amz-date, Signature="
                + signature));
  }

  @Test
  void acceptsARequestSignedByTheAwsSdkSigner() {
    var response = new BedrockClient(bedrock).post(CONVERSE, HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(body(response)).contains("You said: Hello");
  }

  @Test
  void refusesAWrongSecretWithInvalidSignatureException() {
    var client = new BedrockClient(bedrock);
    client.secretAccessKey = "not-the-secret";

    var response = client.post(CONVERSE, HELLO);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("InvalidSignatureException"));
    assertThat(body(response)).contains("The request signature we calculated does not match");
  }

  @Test
  void refusesABodyTamperedWithAfterSigning() {
    var response =
        new BedrockClient(bedrock).post(CONVERSE, HELLO, HELLO.replace("Hello", "Hellp"));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(body(response)).contains("signature we calculated does not match");
  }

  @Test
  void refusesAnUnknownAccessKeyWithUnrecognizedClientException() {
    var client = new BedrockClient(bedrock);
    client.accessKeyId = "AKIAUNKNOWN000000000";

    var response = client.post(CONVERSE, HELLO);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("UnrecognizedClientException"));
  }

  @Test
  void refusesASignatureOlderThanFiveMinutes() {
    var client = new BedrockClient(bedrock);
    client.clock = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-6));

    var response = client.post(CONVERSE, HELLO);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(body(response)).startsWith("{\"message\":\"Signature expired:");
  }

  @Test
  void refusesASignatureScopedToAnotherRegion() {
    var client = new BedrockClient(bedrock);
    client.region = "eu-west-3";

    var response = client.post(CONVERSE, HELLO);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(body(response)).contains("Credential should be scoped to a valid region");
  }

  @Test
  void refusesAnUnsignedRequest() {
    var response =
        java.net.http.HttpClient.newHttpClient()
            .sendAsync(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(bedrock.endpoint() + CONVERSE))
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(HELLO))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .join();

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType"))
        .hasValueSatisfying(
            type -> assertThat(type).startsWith("MissingAuthenticationTokenException"));
  }

  @Test
  void withASessionTokenConfiguredRequiresItSigned() {
    try (FakeBedrock withToken = FakeBedrock.builder().sessionToken("session-token-1").start()) {
      var client = new BedrockClient(withToken);

      var without = client.post(CONVERSE, HELLO);
      client.sessionToken = "another-token";
      var wrong = client.post(CONVERSE, HELLO);
      client.sessionToken = "session-token-1";
      var right = client.post(CONVERSE, HELLO);

      assertThat(without.statusCode()).isEqualTo(403);
      assertThat(wrong.statusCode()).isEqualTo(403);
      assertThat(right.statusCode()).isEqualTo(200);
      assertThat(withToken.refusedSignatures()).isEqualTo(2);
      assertThat(withToken.requests().getLast().header("x-amz-security-token"))
          .isEqualTo("session-token-1");
    }
  }

  static String body(java.net.http.HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }
}
