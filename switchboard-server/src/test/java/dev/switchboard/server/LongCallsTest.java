package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calls that take longer than Jetty's 30 s idle timeout, with real durations (a scaled-down delay
 * would hide the bug): the gateway carries a call for as long as the client waits and the request's
 * timeouts and deadline allow, however long the client's connection stays quiet meanwhile. Before
 * the fix each of these failed at 30 s: the idle timeout was taken for the client leaving.
 *
 * <p>The calls are sent at once when the class starts, each to its own fake, so the class takes as
 * long as the longest call (about 40 s), not their sum; each test waits for its own.
 */
class LongCallsTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"think hard\"}]}";
  static final String STREAM = CHAT.replace("}]}", "}],\"stream\":true}");
  static final Duration CLIENT_WAITS = Duration.ofMinutes(2);

  static GatewayUnderTest gateway;
  static ExecutorService clients;
  static List<FakeOpenAi> fakes;
  static CompletableFuture<Timed> slowJson;
  static CompletableFuture<Timed> slowStream;
  static CompletableFuture<Timed> stalledStream;
  static CompletableFuture<Timed> longRetry;

  /** An answer and how long it took to come whole. */
  record Timed(HttpResponse<String> response, Duration took) {}

  @BeforeAll
  static void sendTheLongCalls() {
    gateway = GatewayUnderTest.start(null);
    clients = Executors.newVirtualThreadPerTaskExecutor();
    FakeOpenAi json = FakeOpenAi.start();
    FakeOpenAi stream = FakeOpenAi.start();
    FakeOpenAi stalled = FakeOpenAi.start();
    FakeOpenAi retried = FakeOpenAi.start();
    fakes = List.of(json, stream, stalled, retried);

    json.enqueue(Fault.slowFirstByte(Duration.ofSeconds(40)));
    slowJson = send(json, CHAT, "");
    stream.enqueue(Fault.slowFirstByte(Duration.ofSeconds(35)));
    slowStream = send(stream, STREAM, "");
    stalled.enqueue(Fault.streamStall(2, Duration.ofSeconds(40)));
    stalledStream = send(stalled, STREAM, "");
    // A rate-limited provider asks for 11 s three times: the retries wait 33 s in all. (Five 503s
    // in a row would open the target's circuit, which is the circuit's job, not a timeout.)
    for (int i = 0; i < 3; i++) {
      retried.enqueue(Fault.status(429).withHeader("retry-after", "11"));
    }
    longRetry = send(retried, CHAT, ",\"retry\":{\"attempts\":5,\"use_retry_after_header\":true}");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    clients.shutdownNow();
    clients.awaitTermination(10, TimeUnit.SECONDS);
    gateway.close();
    fakes.forEach(FakeOpenAi::close);
  }

  private static CompletableFuture<Timed> send(FakeOpenAi fake, String body, String configExtra) {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
            + fake.baseUrl()
            + "\""
            + configExtra
            + "}";
    return CompletableFuture.supplyAsync(
        () -> {
          long started = System.nanoTime();
          HttpResponse<String> response =
              gateway.send(
                  gateway
                      .post("/v1/chat/completions", body, "x-portkey-config", config)
                      .timeout(CLIENT_WAITS));
          return new Timed(response, Duration.ofNanos(System.nanoTime() - started));
        },
        clients);
  }

  private static Timed await(CompletableFuture<Timed> call) throws Exception {
    return call.get(CLIENT_WAITS.toSeconds() + 10, TimeUnit.SECONDS);
  }

  @Test
  void aNonStreamedAnswerAfterFortySecondsReachesTheClient() throws Exception {
    Timed call = await(slowJson);

    assertThat(call.response().statusCode()).as(call.response().body()).isEqualTo(200);
    assertThat(GatewayUnderTest.json(call.response()).at("/choices/0/message/content").asText())
        .endsWith("You said: think hard");
    assertThat(call.took()).isGreaterThanOrEqualTo(Duration.ofSeconds(40));
  }

  @Test
  void aStreamWhoseFirstByteComesAfterThirtyFiveSecondsStreams() throws Exception {
    assertStreamedWhole(await(slowStream), Duration.ofSeconds(35));
  }

  @Test
  void aStreamSilentForFortySecondsBetweenTwoEventsStreamsToItsEnd() throws Exception {
    assertStreamedWhole(await(stalledStream), Duration.ofSeconds(40));
  }

  @Test
  void aRetryWhoseWaitsAddUpPastThirtySecondsCompletes() throws Exception {
    Timed call = await(longRetry);

    assertThat(call.response().statusCode()).as(call.response().body()).isEqualTo(200);
    assertThat(call.response().headers().firstValue("x-portkey-retry-attempt-count")).contains("3");
    assertThat(fakes.get(3).requestCount()).isEqualTo(4);
    assertThat(call.took()).isGreaterThanOrEqualTo(Duration.ofSeconds(33));
  }

  private static void assertStreamedWhole(Timed call, Duration atLeast) {
    assertThat(call.response().statusCode()).as(call.response().body()).isEqualTo(200);
    assertThat(streamedText(call.response())).endsWith("You said: think hard");
    assertThat(GatewayUnderTest.sseData(call.response().body())).last().isEqualTo("[DONE]");
    assertThat(call.took()).isGreaterThanOrEqualTo(atLeast);
  }

  private static String streamedText(HttpResponse<String> response) {
    StringBuilder text = new StringBuilder();
    for (String data : GatewayUnderTest.sseData(response.body())) {
      if (!data.equals("[DONE]")) {
        JsonNode chunk = WireJson.tree(data);
        text.append(chunk.at("/choices/0/delta/content").asText(""));
      }
    }
    return text.toString();
  }
}
