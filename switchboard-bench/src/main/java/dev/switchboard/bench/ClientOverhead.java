package dev.switchboard.bench;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.client.SwitchboardClient;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What one chat call costs through the gateway in process (the engine's {@code Gateway}, no HTTP)
 * against through a gateway server over loopback, with the offline {@code mock} provider (whose own
 * cost is a few microseconds), so the difference is the HTTP hop: the server's HTTP layer, and the
 * client's. Remote is measured twice: with {@code SwitchboardClient} (the OpenAI Java SDK on
 * OkHttp, plus reading the gateway's facts), and with the JDK's {@code HttpClient} sending the same
 * JSON (the floor for any client). One thread; the server runs in the same JVM, on its own virtual
 * threads. Not a test: it prints a Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.ClientOverhead
 * [warm-up calls] [measured calls]</pre>
 */
public final class ClientOverhead {
  private static final String BODY =
      "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":"
          + "\"Summarise the meeting notes in three bullet points, please.\"}]}";

  /** Where results go, so that the calls' work cannot be optimised away. */
  private static volatile int blackhole;

  private ClientOverhead() {}

  public static void main(String[] args) throws Exception {
    int warmup = LatencyHarness.count(args, 0, 20_000);
    int measured = LatencyHarness.count(args, 1, 20_000);
    System.out.printf(
        "%d warm-up and %d measured calls per path, one thread, %s %s, %d cores%n%n",
        warmup,
        measured,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    System.out.println("| path | " + LatencyHarness.MICROSECONDS_HEADER + " |");
    System.out.println("| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");

    ChatRequest request = WireJson.read(BODY, ChatRequest.class);
    RequestOptions options = RequestOptions.builder().provider("mock").build();
    try (Gateway gateway = Gateway.builder().build()) {
      report(
          "in process (engine `Gateway.chat`)",
          time(() -> gateway.chat(request, options).body(), warmup, measured));
    }

    ServerSettings settings =
        new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.defaults());
    try (SwitchboardServer server = SwitchboardServer.start(settings);
        SwitchboardClient client =
            SwitchboardClient.builder()
                .baseUrl(server.baseUri().toString())
                .provider("mock")
                .build();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      ChatCompletionCreateParams params =
          ChatCompletionCreateParams.builder()
              .model("mock-chat")
              .addUserMessage("Summarise the meeting notes in three bullet points, please.")
              .build();
      report(
          "remote, `SwitchboardClient` (OpenAI SDK, OkHttp) → server",
          time(() -> client.chat(params).facts(), warmup, measured));
      HttpRequest post =
          HttpRequest.newBuilder(URI.create(server.baseUri() + "/v1/chat/completions"))
              .header("content-type", "application/json")
              .header("x-portkey-provider", "mock")
              .POST(HttpRequest.BodyPublishers.ofString(BODY))
              .build();
      report(
          "remote, JDK `HttpClient` (JSON string) → server",
          time(
              () -> {
                HttpResponse<String> response =
                    http.send(post, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                  throw new IllegalStateException("status " + response.statusCode());
                }
                return response.body();
              },
              warmup,
              measured));
    }
  }

  /** One call; its result is returned so the work cannot be optimised away. */
  @FunctionalInterface
  private interface Call {
    Object run() throws Exception;
  }

  private static Latencies time(Call call, int warmup, int measured) throws Exception {
    int[] sink = {0};
    Latencies latencies =
        LatencyHarness.measure(warmup, measured, i -> sink[0] += call.run().hashCode());
    blackhole = sink[0];
    return latencies;
  }

  private static void report(String path, Latencies latencies) {
    System.out.println("| " + path + " | " + LatencyHarness.microseconds(latencies) + " |");
  }
}
