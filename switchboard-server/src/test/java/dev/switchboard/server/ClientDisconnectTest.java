package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client that goes away mid-stream cancels the upstream call: nobody pays for tokens unread. */
class ClientDisconnectTest {
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.start(openai.baseUrl());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void aClientDisconnectMidStreamClosesTheUpstreamConnection() throws Exception {
    openai.enqueue(Fault.chunkDelay(Duration.ofMillis(200)));
    String body =
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a long story about a gateway\"}]}";

    var response =
        gateway.open(gateway.post("/v1/chat/completions", body, "x-portkey-provider", "openai"));
    assertThat(response.statusCode()).isEqualTo(200);
    InputStream stream = response.body();
    BufferedReader lines =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
    assertThat(lines.readLine()).startsWith("data: ");
    stream.close();

    assertThat(openai.awaitAbortedStreams(1, Duration.ofSeconds(10))).isTrue();
    assertThat(openai.openStreams()).isZero();
  }
}
