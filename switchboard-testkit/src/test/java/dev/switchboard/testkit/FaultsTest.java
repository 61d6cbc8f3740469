package dev.switchboard.testkit;

import static dev.switchboard.testkit.RawHttp.dataEvents;
import static dev.switchboard.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each {@link Fault}, as a plain HTTP client, a raw socket and the official SDK see it. */
class FaultsTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";
  static final String STREAMED_CHAT = CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"");

  FakeOpenAi fake;
  OpenAIClient openai;
  RawHttp http;

  @BeforeEach
  void start() {
    fake = FakeOpenAi.start();
    openai = sdk(0);
    http = new RawHttp(fake);
  }

  OpenAIClient sdk(int maxRetries) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(fake.baseUrl())
        .apiKey("sk-test-key-0123456789")
        .maxRetries(maxRetries)
        .build();
  }

  @AfterEach
  void stop() {
    openai.close();
    fake.close();
  }

  /** What a client read before the body ended, and how it ended. */
  record Read(String text, IOException failure) {}

  static Read readAll(InputStream in) {
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    try (in) {
      byte[] buffer = new byte[256];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        read.write(buffer, 0, n);
      }
      return new Read(read.toString(StandardCharsets.UTF_8), null);
    } catch (IOException failure) {
      return new Read(read.toString(StandardCharsets.UTF_8), failure);
    }
  }

  @Test
  void aStatusFaultAnswersInOpenAisErrorShapeWithTheExtraHeaders() throws Exception {
    fake.enqueue(
        Fault.status(429).withHeader("retry-after", "2").withHeader("retry-after-ms", "1500"));

    var response = http.post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).hasValue("2");
    assertThat(response.headers().firstValue("retry-after-ms")).hasValue("1500");
    assertThat(response.headers().firstValue("x-request-id")).isPresent();
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonShape.assertSameShape(Fixtures.json("error-rate-limit.json"), json(response));
    assertThat(json(response).at("/error/message").asText())
        .startsWith("Rate limit reached for gpt-4o-mini in organization");
  }

  static Stream<Arguments> statusesAndTheSdkErrorsForThem() {
    return Stream.of(
        arguments(
            400, BadRequestException.class, "invalid_request_error", "context_length_exceeded"),
        arguments(401, UnauthorizedException.class, "invalid_request_error", "invalid_api_key"),
        arguments(
            403,
            PermissionDeniedException.class,
            "request_forbidden",
            "unsupported_country_region_territory"),
        arguments(404, NotFoundException.class, "invalid_request_error", "model_not_found"),
        arguments(429, RateLimitException.class, "requests", "rate_limit_exceeded"),
        arguments(500, InternalServerException.class, "server_error", null),
        arguments(502, InternalServerException.class, "cf_bad_gateway", null),
        arguments(
            503,
            InternalServerException.class,
            "service_unavailable_error",
            "server_is_overloaded"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statusesAndTheSdkErrorsForThem")
  void theOfficialSdkReadsEachStatusAsItsError(
      int status, Class<? extends Throwable> error, String type, String code) {
    fake.enqueue(Fault.status(status));

    assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionsTest.HELLO))
        .isInstanceOf(error)
        .isInstanceOfSatisfying(
            OpenAIServiceException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(status);
              assertThat(e.type()).hasValue(type);
              assertThat(e.headers().values("x-request-id")).hasSize(1);
              if (code != null) {
                assertThat(e.code()).hasValue(code);
              }
            });
  }

  @Test
  void theOfficialSdkRetriesAfterTheDelayOfRetryAfterMs() throws Exception {
    OpenAIClient retrying = sdk(1);
    fake.enqueue(Fault.status(429).withHeader("retry-after-ms", "50"));

    var completion = retrying.chat().completions().create(ChatCompletionsTest.HELLO);
    retrying.close();

    assertThat(completion.choices()).hasSize(1);
    assertThat(fake.requestCount()).isEqualTo(2);
    assertThat(fake.requests().get(1).header("x-stainless-retry-count")).isEqualTo("1");
  }

  @Test
  void faultsApplyOnePerRequestInOrder() throws Exception {
    fake.enqueue(Fault.status(500));
    fake.enqueue(Fault.status(503));

    List<Integer> statuses =
        List.of(
            http.post("/v1/chat/completions", CHAT).statusCode(),
            http.post("/v1/chat/completions", CHAT).statusCode(),
            http.post("/v1/chat/completions", CHAT).statusCode());

    assertThat(statuses).containsExactly(500, 503, 200);
  }

  @Test
  void aFakeBuiltWithAFaultForEveryRequestPlaysItAfterTheQueuedOnes() throws Exception {
    try (FakeOpenAi limited = FakeOpenAi.builder().everyRequest(Fault.status(429)).start()) {
      limited.enqueue(Fault.status(503));
      RawHttp limitedHttp = new RawHttp(limited);

      List<Integer> statuses =
          List.of(
              limitedHttp.post("/v1/chat/completions", CHAT).statusCode(),
              limitedHttp.post("/v1/chat/completions", CHAT).statusCode(),
              limitedHttp.post("/v1/chat/completions", CHAT).statusCode());

      assertThat(statuses).containsExactly(503, 429, 429);
    }
  }

  @Test
  void aFakeBuiltWithAFaultForAShareOfRequestsPlaysItOnThatShareSpreadEvenly() throws Exception {
    try (FakeOpenAi some =
        FakeOpenAi.builder()
            .someRequests(0.25, Fault.status(503))
            .everyRequest(Fault.status(429))
            .start()) {
      some.enqueue(Fault.status(500));
      RawHttp someHttp = new RawHttp(some);

      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        statuses.add(someHttp.post("/v1/chat/completions", CHAT).statusCode());
      }

      // The queued fault first; then every fourth of the others.
      assertThat(statuses).containsExactly(500, 429, 429, 429, 503, 429, 429, 429, 503);
    }
  }

  @Test
  void aShareOutsideZeroToOneIsRefused() {
    assertThatThrownBy(() -> FakeOpenAi.builder().someRequests(1.5, Fault.status(503)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.5");
  }

  @Test
  void aSlowFirstByteDelaysTheStatusLine() throws Exception {
    fake.enqueue(Fault.slowFirstByte(Duration.ofMillis(300)));

    long start = System.nanoTime();
    var response = http.post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void theOfficialSdkTimesOutOnASlowFirstByte() {
    fake.enqueue(Fault.slowFirstByte(Duration.ofSeconds(2)));
    OpenAIClient impatient =
        OpenAIOkHttpClient.builder()
            .baseUrl(fake.baseUrl())
            .apiKey("test")
            .maxRetries(0)
            .timeout(Duration.ofMillis(200))
            .build();

    assertThatThrownBy(() -> impatient.chat().completions().create(ChatCompletionsTest.HELLO))
        .isInstanceOf(OpenAIIoException.class);
    impatient.close();
  }

  @Test
  void aStreamCutAfterTwoChunksSendsTwoEventsThenATruncatedBody() throws Exception {
    fake.enqueue(Fault.cutStreamAfter(2));

    // A raw socket sees every byte the fake sent before the cut; an HTTP client may drop what it
    // had buffered when it learns the body ended early.
    String answer;
    try (Socket socket = new Socket("127.0.0.1", fake.port())) {
      socket
          .getOutputStream()
          .write(
              ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      + "Authorization: Bearer test\r\nContent-Type: application/json\r\n"
                      + "Content-Length: "
                      + STREAMED_CHAT.length()
                      + "\r\n\r\n"
                      + STREAMED_CHAT)
                  .getBytes(StandardCharsets.US_ASCII));
      answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(answer).startsWith("HTTP/1.1 200 OK").contains("Transfer-Encoding: chunked");
    assertThat(answer.split("\ndata: ", -1)).as("two events").hasSize(3);
    assertThat(answer).doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
    assertThat(answer).as("no last chunk: the body ends early").doesNotEndWith("0\r\n\r\n");
    assertThat(fake.abortedStreams()).as("a cut is not the client's doing").isZero();
  }

  @Test
  void theOfficialSdkFailsOnACutStream() {
    fake.enqueue(Fault.cutStreamAfter(3));

    assertThatThrownBy(
            () -> {
              try (StreamResponse<ChatCompletionChunk> stream =
                  openai.chat().completions().createStreaming(ChatCompletionsTest.HELLO)) {
                stream.stream().forEach(chunk -> {});
              }
            })
        .isInstanceOf(OpenAIException.class);
  }

  @Test
  void aStreamErrorSendsOpenAisInBandErrorEventAndNoDone() throws Exception {
    fake.enqueue(Fault.streamError(2, 500));

    HttpResponse<String> response = http.post("/v1/chat/completions", STREAMED_CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> events = dataEvents(response.body());
    assertThat(events).hasSize(3).doesNotContain("[DONE]");
    assertThat(json(events.getLast()).at("/error/type").asText()).isEqualTo("server_error");
  }

  @Test
  void aStreamErrorOnAJsonAnswerIsItsStatus() throws Exception {
    fake.enqueue(Fault.streamError(2, 503));

    HttpResponse<String> response = http.post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(json(response).has("error")).isTrue();
  }

  @Test
  void aCutJsonAnswerEndsBeforeItsContentLength() throws Exception {
    fake.enqueue(Fault.cutStreamAfter(0));

    HttpResponse<InputStream> response = http.open("/v1/chat/completions", CHAT);
    Read read = readAll(response.body());

    assertThat(response.statusCode()).isEqualTo(200);
    long announced = response.headers().firstValueAsLong("content-length").orElseThrow();
    assertThat(read.failure()).isNotNull();
    assertThat((long) read.text().length()).isLessThan(announced);
  }

  @Test
  void aResetSendsARstAfterReadingTheWholeRequest() throws Exception {
    fake.enqueue(Fault.resetConnection());
    String body = CHAT;

    try (Socket socket = new Socket("127.0.0.1", fake.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();

      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketException.class)
          .hasMessageContaining("reset");
    }
    assertThat(fake.takeRequest(Duration.ofSeconds(1)).body()).isEqualTo(body);
  }

  @Test
  void aResetIsAnIoErrorForAnHttpClient() {
    fake.enqueue(Fault.resetConnection());

    assertThatThrownBy(() -> http.post("/v1/chat/completions", CHAT))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aMalformedBodyIsJsonByItsTypeButNotByItsContent() throws Exception {
    fake.enqueue(Fault.malformedBody());
    fake.enqueue(Fault.malformedBody());

    var response = http.post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThatThrownBy(() -> RawHttp.JSON.readTree(response.body()))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionsTest.HELLO))
        .isInstanceOf(OpenAIException.class);
  }

  @Test
  void aMalformedStreamStartsWithAnEventThatIsNotJson() throws Exception {
    fake.enqueue(Fault.malformedBody());

    List<String> events = dataEvents(http.post("/v1/chat/completions", STREAMED_CHAT).body());

    assertThatThrownBy(() -> RawHttp.JSON.readTree(events.getFirst()))
        .isInstanceOf(IOException.class);
    assertThat(events.getLast()).isEqualTo("[DONE]");
  }

  @Test
  void aChunkDelaySpacesTheEventsOfAnOpenStream() throws Exception {
    fake.enqueue(Fault.chunkDelay(Duration.ofMillis(40)));

    long start = System.nanoTime();
    HttpResponse<InputStream> response = http.open("/v1/chat/completions", STREAMED_CHAT);
    InputStream body = response.body();
    body.read();
    int openWhileStreaming = fake.openStreams();
    Read rest = readAll(body);

    // a role chunk, 10 words, a finish chunk and [DONE]: 12 pauses between 13 events
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(12 * 40));
    assertThat(openWhileStreaming).isEqualTo(1);
    assertThat(rest.failure()).isNull();
    assertThat(rest.text()).endsWith("data: [DONE]\n\n");
    // The fake counts the stream closed just after its last write, which the client may read first.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (fake.openStreams() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(fake.openStreams()).isZero();
    assertThat(fake.abortedStreams()).isZero();
  }

  @Test
  void countsAStreamWhoseClientDisconnectsMidStream() throws Exception {
    fake.enqueue(Fault.chunkDelay(Duration.ofMillis(100)));

    HttpResponse<InputStream> response = http.open("/v1/chat/completions", STREAMED_CHAT);
    assertThat(response.body().read(new byte[16])).isPositive();
    response.body().close();

    assertThat(fake.awaitAbortedStreams(1, Duration.ofSeconds(10))).isTrue();
    assertThat(fake.abortedStreams()).isEqualTo(1);
    assertThat(fake.openStreams()).isZero();
  }

  @Test
  void aRequiredKeyRefusesAWrongKeyWithoutRevealingIt() throws Exception {
    fake.requireApiKey("sk-right");

    assertThatThrownBy(() -> openai.chat().completions().create(ChatCompletionsTest.HELLO))
        .isInstanceOfSatisfying(
            UnauthorizedException.class,
            e -> {
              assertThat(e.code()).hasValue("invalid_api_key");
              assertThat(e.getMessage())
                  .contains("Incorrect API key provided: sk-")
                  .contains("6789.")
                  .doesNotContain("sk-test-key-0123456789");
            });
  }

  @Test
  void aRequiredKeyRefusesARequestWithoutOne() throws Exception {
    fake.requireApiKey("sk-right");

    var response = http.post("/v1/chat/completions", CHAT);

    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = json(response).get("error");
    assertThat(error.path("message").asText()).startsWith("You didn't provide an API key.");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("code").isNull()).isTrue();
  }

  @Test
  void aRequiredKeyLetsTheRightKeyInAndNullLetsAnyIn() throws Exception {
    fake.requireApiKey("sk-test-key-0123456789");
    assertThat(openai.chat().completions().create(ChatCompletionsTest.HELLO).choices()).hasSize(1);

    fake.requireApiKey(null);
    assertThat(http.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
  }
}
