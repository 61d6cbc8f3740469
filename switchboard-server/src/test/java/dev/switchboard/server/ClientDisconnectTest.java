package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away stops its request: mid-stream, the upstream call is cancelled (nobody
 * pays for tokens unread); during a retry wait, no further attempt is made.
 */
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

  @Test
  void aClientThatLeavesDuringARetryWaitGetsNoFurtherAttempts() throws Exception {
    try (FakeOpenAi failing = FakeOpenAi.start()) {
      for (int i = 0; i < 4; i++) {
        failing.enqueue(Fault.status(503));
      }
      leaveDuringTheRetryWait(failing);
    }
  }

  private static void leaveDuringTheRetryWait(FakeOpenAi openai) throws Exception {
    String config =
        "{\"provider\":\"openai\",\"retry\":{\"attempts\":3},\"custom_host\":\""
            + openai.baseUrl()
            + "\"}";
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    long before = openai.requestCount();

    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      String head =
          "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Type: application/json\r\nContent-Length: "
              + bytes.length
              + "\r\nx-portkey-config: "
              + config
              + "\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(bytes);
      out.flush();
      while (openai.requestCount() == before) {
        Thread.sleep(10);
      }
    }

    // The first retry would come about a second after the first 503; wait well past the second.
    Thread.sleep(3_500);
    assertThat(openai.requestCount() - before).isEqualTo(1);
  }

  @Test
  void aKeptAliveConnectionServesRequestAfterRequestWhileWatchedForDisconnects() throws Exception {
    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}";
    String request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-portkey-provider: mock\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n"
            + body;
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      socket.setSoTimeout(5_000);
      var in = new java.io.DataInputStream(socket.getInputStream());
      for (int i = 0; i < 3; i++) {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        String status = readLine(in);
        int length = 0;
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).strip());
          }
        }
        byte[] answer = in.readNBytes(length);
        assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        assertThat(new String(answer, StandardCharsets.UTF_8)).contains("You said: again");
      }
    }
  }

  @Test
  void aRequestPipelinedWhileTheFirstIsRoutedClosesTheConnectionAfterTheFirstAnswer()
      throws Exception {
    openai.enqueue(Fault.slowFirstByte(Duration.ofMillis(500)));
    String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"first\"}]}";
    String request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-portkey-provider: openai\r\n"
            + "Content-Type: application/json\r\nContent-Length: "
            + body.length()
            + "\r\n\r\n"
            + body;
    try (Socket socket = new Socket("127.0.0.1", gateway.uri("/").getPort())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      assertThat(openai.takeRequest(Duration.ofSeconds(5))).isNotNull();
      socket
          .getOutputStream()
          .write(request.replace("first", "early").getBytes(StandardCharsets.UTF_8));

      var in = socket.getInputStream();
      String status = readLine(in);
      List<String> headers = new java.util.ArrayList<>();
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        headers.add(line.toLowerCase(java.util.Locale.ROOT));
      }
      assertThat(status).isEqualTo("HTTP/1.1 200 OK");
      assertThat(headers).contains("connection: close");
    }
  }

  private static String readLine(InputStream in) throws java.io.IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException("connection closed after: " + line);
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
