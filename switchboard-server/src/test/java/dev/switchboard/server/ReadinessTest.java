package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/health/ready}, the readiness probe: false while the store of keys is away (a real
 * PostgreSQL reached through a relay the test cuts), while {@code /v1/health}, the liveness probe,
 * stays 200 so the gateway is not restarted for its store's outage.
 */
class ReadinessTest {
  @Test
  void isReadyWithoutAccessAndHasNoStoreToWaitFor() {
    try (GatewayUnderTest gateway = GatewayUnderTest.start(null)) {
      HttpResponse<String> ready = gateway.get("/v1/health/ready");

      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(json(ready).path("status").asText()).isEqualTo("ready");
      assertThat(json(ready).path("stores").isEmpty()).isTrue();
    }
  }

  @Test
  void isNotReadyWhileTheStoreOfKeysIsAwayAndReadyAgainWhenItReturns() throws Exception {
    String direct = TestPostgres.freshSchemaUrl();
    try (TcpRelay relay = TcpRelay.to("127.0.0.1", 5432);
        GatewayUnderTest gateway =
            GatewayUnderTest.start(
                null,
                settings ->
                    settings.withAccess(
                        AccessSettings.defaults()
                            .withStoreUrl(
                                direct.replace("127.0.0.1:5432", "127.0.0.1:" + relay.port()))
                            .withRequireKeys(false)))) {
      HttpResponse<String> up = gateway.get("/v1/health/ready");
      assertThat(up.statusCode()).isEqualTo(200);
      assertThat(json(up).path("stores").path("access").asText()).isEqualTo("up");

      relay.cut();
      HttpResponse<String> down = await(gateway, answer -> answer.statusCode() == 503);
      assertThat(json(down).path("status").asText()).isEqualTo("not_ready");
      assertThat(json(down).path("stores").path("access").asText()).isEqualTo("down");
      assertThat(down.body()).doesNotContain("postgres", "5432", String.valueOf(relay.port()));
      assertThat(gateway.get("/v1/health").statusCode()).isEqualTo(200);
      assertThat(
              HttpClient.newHttpClient()
                  .send(
                      HttpRequest.newBuilder(gateway.uri("/v1/health/ready"))
                          .method("HEAD", HttpRequest.BodyPublishers.noBody())
                          .build(),
                      HttpResponse.BodyHandlers.discarding())
                  .statusCode())
          .isEqualTo(503);

      relay.restore();
      HttpResponse<String> back = await(gateway, answer -> answer.statusCode() == 200);
      assertThat(json(back).path("stores").path("access").asText()).isEqualTo("up");
    }
  }

  private static HttpResponse<String> await(
      GatewayUnderTest gateway, Predicate<HttpResponse<String>> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> answer = gateway.get("/v1/health/ready");
    while (!condition.test(answer) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      answer = gateway.get("/v1/health/ready");
    }
    assertThat(condition).accepts(answer);
    return answer;
  }
}
