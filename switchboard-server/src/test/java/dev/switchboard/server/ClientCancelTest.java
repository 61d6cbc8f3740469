package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that cancel: a client's departure is its own doing, never the upstream's failure. It is
 * recorded as 499 {@code client_closed}, never counts toward the upstream's circuit, and stops the
 * upstream call at once (the fake sees its connection closed), before the answer or mid-stream.
 * Before the fix, each cancel was an {@code upstream_failure} that counted toward the circuit: five
 * opened it for everyone; and a stream's upstream call ran on until its next event.
 */
class ClientCancelTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
  static final String STREAM = CHAT.replace("}]}", "}],\"stream\":true}");

  @TempDir Path data;
  FakeOpenAi openai;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults().withDataDirectory(data),
            settings -> settings,
            engine -> {});
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void fiftyClientsThatCancelMidRequestOpenNoCircuitAndTheirUpstreamCallsStopAtOnce()
      throws Exception {
    int clients = 50;
    for (int i = 0; i < clients; i++) {
      openai.enqueue(Fault.slowFirstByte(Duration.ofSeconds(30)));
    }
    List<LeavingClient> leaving = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        leaving.add(send(CHAT, "t-cancel"));
      }
      awaitRequestsAtTheFake(clients);
    } finally {
      for (LeavingClient client : leaving) {
        client.close();
      }
    }

    assertThat(openai.awaitClientsLeftWhileWaiting(clients, Duration.ofSeconds(1)))
        .as("every upstream call aborted within 1 s; %d were", openai.clientsLeftWhileWaiting())
        .isTrue();
    List<JsonNode> records = LogsApi.awaitRecords(gateway, "trace_id=t-cancel&limit=100", clients);
    assertThat(records).hasSize(clients);
    for (JsonNode record : records) {
      assertThat(record.path("status").asInt()).isEqualTo(499);
      assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
      assertThat(record.at("/attempts/0/status").asInt()).isEqualTo(499);
      assertThat(record.at("/attempts/0/error_type").asText()).isEqualTo("client_closed");
    }
    JsonNode health = GatewayUnderTest.json(gateway.get("/v1/health"));
    for (JsonNode circuit : health.path("circuits")) {
      assertThat(circuit.path("state").asText()).as(circuit.toString()).isEqualTo("closed");
      assertThat(circuit.path("consecutive_failures").asInt()).isZero();
    }
    var next = gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-config", config());
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
  }

  @Test
  void aStreamWhoseClientLeavesWhileTheProviderIsSilentIsAbortedUpstreamWithinASecond()
      throws Exception {
    openai.enqueue(Fault.streamStall(3, Duration.ofSeconds(30)));
    try (LeavingClient client = send(STREAM, "t-left-stall")) {
      client.readEvents(3);
    }

    assertThat(openai.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(1))).isTrue();
    JsonNode record = LogsApi.awaitRecord(gateway, "t-left-stall");
    assertThat(record.path("stream_end").asText()).isEqualTo("client_closed");
    assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
    // The role's event, then "Hello " and "from ": two tokens of text, 11 bytes (3 at 4 a token).
    assertThat(record.path("completion_tokens").asInt()).isEqualTo(3);
    JsonNode health = GatewayUnderTest.json(gateway.get("/v1/health"));
    assertThat(health.path("circuits").findValuesAsText("state")).containsOnly("closed");
  }

  @Test
  void aPassedThroughStreamWhoseClientLeavesMidCopyIsStoppedUpstreamAtOnceAndRecordedClientClosed()
      throws Exception {
    // The Responses API's stream: created, in_progress, output_item.added, content_part.added,
    // then "Hello ", "from ", "the "; then the provider thinks for 30 s.
    openai.enqueue(Fault.streamStall(7, Duration.ofSeconds(30)));
    try (LeavingClient client =
        LeavingClient.post(
            gateway.uri("/").getPort(),
            "/v1/responses",
            "{\"model\":\"gpt-4o-mini\",\"input\":\"tell me a story\",\"stream\":true}",
            "x-portkey-trace-id",
            "t-left-relay",
            "x-portkey-config",
            config())) {
      client.readEvents(7);
    }

    assertThat(openai.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(1)))
        .as("the upstream call stopped within 1 s of the client leaving")
        .isTrue();
    JsonNode record = LogsApi.awaitRecord(gateway, "t-left-relay");
    assertThat(record.path("path").asText()).isEqualTo("/v1/responses");
    // As a chat stream its client left once begun: the status it got, and how it ended.
    assertThat(record.path("status").asInt()).isEqualTo(200);
    assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
    assertThat(record.path("stream_end").asText()).isEqualTo("client_closed");
    // Three deltas of text, 15 bytes: the larger of 3 events and 15 / 4 bytes a token.
    assertThat(record.path("completion_tokens").asInt()).isEqualTo(4);
    JsonNode health = GatewayUnderTest.json(gateway.get("/v1/health"));
    for (JsonNode circuit : health.path("circuits")) {
      assertThat(circuit.path("state").asText()).as(circuit.toString()).isEqualTo("closed");
      assertThat(circuit.path("consecutive_failures").asInt()).isZero();
    }
  }

  @Test
  void clientsThatLeaveDuringARetryWaitWhileBusyVirtualThreadsHoldEveryCarrierGetNoFurtherAttempt()
      throws Exception {
    // Each client's first attempt gets a 503; a retry waits 1 to 1.25 s before the next. As they
    // wait, CPU-bound virtual threads take every carrier until well after the waits end, and the
    // clients leave. A departure told only once a carrier is free races the waits that end
    // meanwhile: a client's routing may win and begin its next attempt. Told on the selector's own
    // thread, the departure is known before any wait ends, and no client gets a second attempt.
    // Fewer than the five failures that open a circuit: every attempt they make reaches the fake.
    int clients = 4;
    for (int i = 0; i < clients * 3; i++) {
      openai.enqueue(Fault.status(503));
    }
    String retrying =
        "{\"retry\":{\"attempts\":3,\"on_status_codes\":[503]}," + config().substring(1);
    List<LeavingClient> leaving = new ArrayList<>();
    List<Thread> busy = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        leaving.add(
            LeavingClient.post(
                gateway.uri("/").getPort(),
                "/v1/chat/completions",
                CHAT,
                "x-portkey-trace-id",
                "t-left-busy",
                "x-portkey-config",
                retrying));
      }
      awaitRequestsAtTheFake(clients);
      Thread.sleep(100);
      long spinUntil = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
      for (int i = 0; i < Runtime.getRuntime().availableProcessors() + 2; i++) {
        busy.add(Thread.ofVirtual().start(() -> spin(spinUntil)));
      }
      Thread.sleep(50);
    } finally {
      for (LeavingClient client : leaving) {
        client.close();
      }
    }
    for (Thread thread : busy) {
      thread.join();
    }

    List<JsonNode> records =
        LogsApi.awaitRecords(gateway, "trace_id=t-left-busy&limit=100", clients);
    assertThat(records).hasSize(clients);
    for (JsonNode record : records) {
      assertThat(record.path("status").asInt()).as(record.toString()).isEqualTo(499);
      assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
      assertThat(record.path("attempts").size()).as(record.toString()).isEqualTo(1);
    }
    Thread.sleep(1_500);
    assertThat(openai.requestCount())
        .as("the upstream got no attempt after its clients left")
        .isEqualTo(clients);
  }

  private static void spin(long untilNanos) {
    long spins = 0;
    while (System.nanoTime() < untilNanos) {
      spins++;
    }
    if (spins < 0) {
      throw new IllegalStateException("unreachable; keeps the loop from being optimised away");
    }
  }

  private String config() {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
        + openai.baseUrl()
        + "\"}";
  }

  private LeavingClient send(String body, String trace) throws java.io.IOException {
    return LeavingClient.post(
        gateway.uri("/").getPort(),
        "/v1/chat/completions",
        body,
        "x-portkey-trace-id",
        trace,
        "x-portkey-config",
        config());
  }

  private void awaitRequestsAtTheFake(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (openai.requestCount() < count) {
      assertThat(System.nanoTime()).as("requests reached the fake").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
