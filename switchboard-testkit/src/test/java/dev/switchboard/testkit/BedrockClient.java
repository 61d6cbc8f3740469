package dev.switchboard.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Calls a {@link FakeBedrock} as an AWS client would: signed by the AWS SDK's SigV4 signer. */
final class BedrockClient {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String endpoint;
  String accessKeyId = FakeBedrock.DEFAULT_ACCESS_KEY_ID;
  String secretAccessKey = FakeBedrock.DEFAULT_SECRET_ACCESS_KEY;
  String sessionToken;
  String region = FakeBedrock.DEFAULT_REGION;
  Clock clock = Clock.systemUTC();

  BedrockClient(FakeBedrock fake) {
    this.endpoint = fake.endpoint();
  }

  HttpResponse<byte[]> post(String path, String json) {
    return post(path, json, json);
  }

  /** Signs {@code signedJson} but sends {@code sentJson}: a body tampered with on the way. */
  HttpResponse<byte[]> post(String path, String signedJson, String sentJson) {
    URI uri = URI.create(endpoint + path);
    SdkHttpRequest request =
        SdkHttpRequest.builder()
            .method(SdkHttpMethod.POST)
            .uri(uri)
            .putHeader("content-type", "application/json")
            .build();
    AwsCredentialsIdentity identity =
        sessionToken == null
            ? AwsCredentialsIdentity.create(accessKeyId, secretAccessKey)
            : AwsSessionCredentialsIdentity.create(accessKeyId, secretAccessKey, sessionToken);
    var signed =
        AwsV4HttpSigner.create()
            .sign(r ->
                r.identity(identity)
                    .request(request)
                    .payload(
                        ContentStreamProvider.fromByteArray(
                            signedJson.getBytes(StandardCharsets.UTF_8)))
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                    .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(sentJson));
    signed
        .request()
        .forEachHeader((name, values) -> {
          if (!name.equalsIgnoreCase("host")) {
            values.forEach(value -> builder.header(name, value));
          }
        });
    try {
      return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
