package dev.switchboard.engine.providers.bedrock;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Signs a Bedrock call with AWS Signature Version 4, by the AWS SDK's signer, over the exact bytes
 * that are sent
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-request.html). The
 * service name is {@code bedrock} for the runtime API as for the control plane.
 */
final class RequestSigner {
  static final String SERVICE = "bedrock";

  private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
  private final Clock clock;

  RequestSigner(Clock clock) {
    this.clock = clock;
  }

  /**
   * The headers to send: {@code headers} with the signature's ({@code x-amz-date}, {@code
   * authorization}, {@code x-amz-security-token} when a session token is used, {@code
   * x-amz-content-sha256} when the signer adds it). {@code host} is left out: the HTTP client
   * writes it from the URI, as the signer read it.
   */
  List<Map.Entry<String, String>> sign(
      String method,
      URI uri,
      List<Map.Entry<String, String>> headers,
      byte[] body,
      BedrockAccess access) {
    SdkHttpRequest.Builder request =
        SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
    for (Map.Entry<String, String> header : headers) {
      request.appendHeader(header.getKey(), header.getValue());
    }
    AwsCredentialsIdentity identity =
        access.sessionToken() == null
            ? AwsCredentialsIdentity.create(access.accessKeyId(), access.secretAccessKey())
            : AwsSessionCredentialsIdentity.create(
                access.accessKeyId(), access.secretAccessKey(), access.sessionToken());
    SignedRequest signed =
        signer.sign(sign ->
            sign.identity(identity)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, access.region())
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    List<Map.Entry<String, String>> out = new ArrayList<>();
    signed
        .request()
        .forEachHeader((name, values) -> {
          if (!name.toLowerCase(Locale.ROOT).equals("host")) {
            for (String value : values) {
              out.add(Map.entry(name.toLowerCase(Locale.ROOT), value));
            }
          }
        });
    return out;
  }
}
