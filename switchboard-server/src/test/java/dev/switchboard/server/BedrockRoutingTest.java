package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.BedrockFault;
import dev.switchboard.testkit.FakeBedrock;
import java.net.http.HttpResponse;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bedrock targets in configs: a throttled call is retried or falls back, as a user of Portkey's
 * configs expects. The gateway and the fakes share a manual clock, so retry waits take no time and
 * signatures stay fresh.
 */
class BedrockRoutingTest {
  static final String HI =
      "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  ManualTime time;
  FakeBedrock first;
  FakeBedrock second;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    time = new ManualTime();
    first = FakeBedrock.builder().clock(time).region("us-east-1").start();
    second =
        FakeBedrock.builder()
            .clock(time)
            .region("eu-central-1")
            .credentials("AKIASECONDACCOUNT001", "secondSecret/0123456789")
            .sessionToken("second-session-token")
            .start();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder().build(),
            engine -> engine.clock(time).sleeper(time).random(new SplittableRandom(7)));
  }

  @AfterEach
  void stop() {
    gateway.close();
    first.close();
    second.close();
  }

  String firstTarget(String extra) {
    return "{\"provider\":\"bedrock\",\"custom_host\":\""
        + first.endpoint()
        + "\",\"aws_access_key_id\":\""
        + FakeBedrock.DEFAULT_ACCESS_KEY_ID
        + "\",\"aws_secret_access_key\":\""
        + FakeBedrock.DEFAULT_SECRET_ACCESS_KEY
        + "\",\"aws_region\":\"us-east-1\""
        + extra
        + "}";
  }

  String secondTarget() {
    return "{\"provider\":\"bedrock\",\"custom_host\":\""
        + second.endpoint()
        + "\",\"awsAccessKeyId\":\"AKIASECONDACCOUNT001\",\"awsSecretAccessKey\":\"secondSecret/0123456789\","
        + "\"awsSessionToken\":\"second-session-token\",\"awsRegion\":\"eu-central-1\"}";
  }

  HttpResponse<String> send(String config) {
    return gateway.postJson("/v1/chat/completions", HI, "x-portkey-config", config);
  }

  @Test
  void retriesAThrottledCallThenSucceeds() {
    first.enqueue(BedrockFault.throttling());

    var response = send(firstTarget(",\"retry\":{\"attempts\":2,\"on_status_codes\":[429]}"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
    assertThat(first.requestCount()).isEqualTo(2);
    assertThat(first.refusedSignatures()).isZero();
    assertThat(time.sleeps).hasSize(1);
  }

  @Test
  void fallsBackFromAThrottledRegionToAnotherAccountAndRegion() {
    first.enqueue(BedrockFault.throttling());

    var response =
        send(
            "{\"strategy\":{\"mode\":\"fallback\",\"on_status_codes\":[429]},\"targets\":["
                + firstTarget("")
                + ","
                + secondTarget()
                + "]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText())
        .startsWith("Hello from the fake Bedrock.");
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isEqualTo(1);
    assertThat(second.refusedSignatures()).isZero();
    assertThat(second.requests().getFirst().header("x-amz-security-token"))
        .isEqualTo("second-session-token");
    assertThat(second.requests().getFirst().header("authorization"))
        .contains("AKIASECONDACCOUNT001/")
        .contains("/eu-central-1/bedrock/aws4_request");
  }

  @Test
  void aSessionTokenFromTheHeadersIsSigned() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            HI,
            "x-portkey-provider",
            "bedrock",
            "x-portkey-custom-host",
            second.endpoint(),
            "x-portkey-aws-access-key-id",
            "AKIASECONDACCOUNT001",
            "x-portkey-aws-secret-access-key",
            "secondSecret/0123456789",
            "x-portkey-aws-session-token",
            "second-session-token",
            "x-portkey-aws-region",
            "eu-central-1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(second.refusedSignatures()).isZero();
  }

  @Test
  void aWrongSessionTokenIsRefusedByTheFakeAs403() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            HI,
            "x-portkey-provider",
            "bedrock",
            "x-portkey-custom-host",
            second.endpoint(),
            "x-portkey-aws-access-key-id",
            "AKIASECONDACCOUNT001",
            "x-portkey-aws-secret-access-key",
            "secondSecret/0123456789",
            "x-portkey-aws-session-token",
            "stale-token",
            "x-portkey-aws-region",
            "eu-central-1");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("UnrecognizedClientException");
  }
}
