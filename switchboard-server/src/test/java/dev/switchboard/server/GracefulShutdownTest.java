package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM: not ready but still serving for the drain delay, then stop accepting, finish what is in
 * flight (streams too), exit 0.
 */
class GracefulShutdownTest {

  @Test
  void onSigtermFinishesAnInFlightStreamThenExitsZero() throws Exception {
    try (FakeOpenAi openai = FakeOpenAi.start();
        GatewayProcess gateway =
            GatewayProcess.start(
                "--providers.openai.base-url",
                openai.baseUrl(),
                "--server.drain-timeout",
                "20s",
                "--server.drain-delay",
                "0s")) {
      openai.enqueue(Fault.chunkDelay(Duration.ofMillis(150)));
      String body =
          "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"one two three four five six\"}]}";
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      var response =
          http.send(
              HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                  .header("content-type", "application/json")
                  .header("x-portkey-provider", "openai")
                  .header("x-portkey-trace-id", "streamed-through-the-stop")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
      List<String> received = new ArrayList<>();
      received.add(lines.readLine());

      gateway.process.destroy(); // SIGTERM
      Thread.sleep(500);
      assertThatThrownBy(() -> new Socket("127.0.0.1", gateway.port).close())
          .isInstanceOf(ConnectException.class);

      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        received.add(line);
      }
      assertThat(received).contains("data: [DONE]");
      assertThat(received.stream().filter(l -> l.startsWith("data: ")).count()).isGreaterThan(8);
      assertThat(gateway.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process.exitValue()).isZero();
      // The access line is written by a thread of Logback's, from a queue: the last request's is
      // written before the process exits.
      assertThat(Files.readString(gateway.output))
          .containsPattern(
              "INFO .* POST /v1/chat/completions 200 provider=openai .*"
                  + "trace=streamed-through-the-stop \\d+ms");
    }
  }

  @Test
  void forTheDrainDelayAfterSigtermItIsNotReadyButServesEachRequestAndClosesItsConnection()
      throws Exception {
    try (FakeOpenAi openai = FakeOpenAi.start();
        GatewayProcess gateway =
            GatewayProcess.start(
                "--providers.openai.base-url", openai.baseUrl(), "--server.drain-delay", "3s")) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      assertThat(ready(http, gateway).statusCode()).isEqualTo(200);

      long signalled = System.nanoTime();
      gateway.process.destroy(); // SIGTERM
      Thread.sleep(300);
      var probe = ready(http, gateway);
      var answer =
          http.send(
              HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                  .header("content-type", "application/json")
                  .header("x-portkey-provider", "openai")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(probe.statusCode()).isEqualTo(503);
      assertThat(probe.body()).contains("\"status\":\"draining\"");
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("connection")).hasValue("close");
      assertThat(gateway.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process.exitValue()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - signalled))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
      assertThatThrownBy(() -> new Socket("127.0.0.1", gateway.port).close())
          .isInstanceOf(ConnectException.class);
    }
  }

  private static HttpResponse<String> ready(HttpClient http, GatewayProcess gateway)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(gateway.uri("/v1/health/ready")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void stopsPromptlyWhenIdle() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.start()) {
      long start = System.nanoTime();
      gateway.process.destroy();

      assertThat(gateway.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process.exitValue()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }
}
