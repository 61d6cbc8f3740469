package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On the real clock: a retry asked to wait by the provider is sent no earlier than it asked, in
 * each of the forms providers use. (The routing tests check the waits asked for on a test clock;
 * this checks what reaches the provider.)
 */
class RetryAfterTimingTest {
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;
  static double smallestRatio = Double.MAX_VALUE;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.start(openai.baseUrl());
  }

  @AfterAll
  static void stop() {
    System.out.printf(
        "smallest ratio of observed retry gap to the wait asked: %.3f%n", smallestRatio);
    gateway.close();
    openai.close();
  }

  @Test
  void honoursRetryAfterMs() throws Exception {
    assertRetryWaitsAtLeast(Fault.status(429).withHeader("retry-after-ms", "400"), 400);
  }

  @Test
  void honoursAzuresRetryAfterMs() throws Exception {
    assertRetryWaitsAtLeast(Fault.status(429).withHeader("x-ms-retry-after-ms", "300"), 300);
  }

  @Test
  void honoursRetryAfterSeconds() throws Exception {
    assertRetryWaitsAtLeast(Fault.status(429).withHeader("retry-after", "1"), 1_000);
  }

  @Test
  void honoursRetryAfterAsAnHttpDate() throws Exception {
    Instant at = Instant.now().plusSeconds(2).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atOffset(ZoneOffset.UTC));
    openai.enqueue(Fault.status(503).withHeader("retry-after", date));

    CompletableFuture<Integer> status = sendWithRetries();
    assertThat(openai.takeRequest(Duration.ofSeconds(5))).isNotNull();
    Instant retriedAt = openai.takeRequest(Duration.ofSeconds(5)).receivedAt();

    assertThat(retriedAt).isAfterOrEqualTo(at);
    assertThat(status.get()).isEqualTo(200);
  }

  private static void assertRetryWaitsAtLeast(Fault.Status fault, long askedMillis)
      throws Exception {
    openai.enqueue(fault);

    CompletableFuture<Integer> status = sendWithRetries();
    Instant first = openai.takeRequest(Duration.ofSeconds(5)).receivedAt();
    Instant retried = openai.takeRequest(Duration.ofSeconds(5)).receivedAt();
    long gapMillis = Duration.between(first, retried).toMillis();

    smallestRatio = Math.min(smallestRatio, gapMillis / (double) askedMillis);
    assertThat(gapMillis).isGreaterThanOrEqualTo(askedMillis);
    assertThat(status.get()).isEqualTo(200);
  }

  private static CompletableFuture<Integer> sendWithRetries() {
    String config =
        "{\"provider\":\"openai\",\"retry\":{\"attempts\":2,\"use_retry_after_header\":true}}";
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"retry me\"}]}";
    return CompletableFuture.supplyAsync(() ->
        gateway
            .postJson(
                "/v1/chat/completions",
                body,
                "x-portkey-config",
                config,
                "authorization",
                "Bearer sk-test")
            .statusCode());
  }
}
