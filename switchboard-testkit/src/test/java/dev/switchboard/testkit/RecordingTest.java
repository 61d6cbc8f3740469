package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the fake remembers of the requests it received. */
class RecordingTest {
  FakeOpenAi fake;
  RawHttp http;

  @BeforeEach
  void start() {
    fake = FakeOpenAi.start();
    http = new RawHttp(fake);
  }

  @AfterEach
  void stop() {
    fake.close();
  }

  @Test
  void bindsTheLoopbackOnAnEphemeralPort() {
    assertThat(fake.port()).isPositive();
    assertThat(fake.origin()).isEqualTo("http://127.0.0.1:" + fake.port());
    assertThat(fake.baseUrl()).isEqualTo("http://127.0.0.1:" + fake.port() + "/v1");
  }

  @Test
  void recordsMethodPathQueryEveryHeaderValueAndTheBody() throws Exception {
    http.send(
        http.request("/v1/embeddings?api-version=1&x=2")
            .header("Content-Type", "application/json")
            .header("X-Team", "search")
            .header("X-Team", "ads")
            .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"héllo\",\"model\":\"m\"}"))
            .build());

    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(1));
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/v1/embeddings");
    assertThat(request.query()).isEqualTo("api-version=1&x=2");
    assertThat(request.header("x-team")).isEqualTo("search");
    assertThat(request.headerValues("X-TEAM")).containsExactly("search", "ads");
    assertThat(request.header("content-type")).isEqualTo("application/json");
    assertThat(request.header("x-absent")).isNull();
    assertThat(request.body()).isEqualTo("{\"input\":\"héllo\",\"model\":\"m\"}");
    assertThat(request.json().path("input").asText()).isEqualTo("héllo");
  }

  @Test
  void aRequestWithoutQueryOrBodyHasANullQueryAndAnEmptyBody() throws Exception {
    http.get("/v1/models");

    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(1));
    assertThat(request.query()).isNull();
    assertThat(request.body()).isEmpty();
    assertThatThrownBy(() -> new RecordedRequest("POST", "/", null, List.of(), "{").json())
        .isInstanceOf(UncheckedIOException.class);
  }

  @Test
  void takeRequestHandsOutRequestsOldestFirstAndNullWhenNoneComes() throws Exception {
    http.get("/v1/models");
    http.get("/v1/models/gpt-4o");

    assertThat(fake.takeRequest(Duration.ofSeconds(1)).path()).isEqualTo("/v1/models");
    assertThat(fake.takeRequest(Duration.ofSeconds(1)).path()).isEqualTo("/v1/models/gpt-4o");
    assertThat(fake.takeRequest(Duration.ofMillis(50))).isNull();
    assertThat(fake.requests()).hasSize(2);
  }

  @Test
  void recordsConcurrentRequestsWithoutLosingAny() throws Exception {
    List<Future<Integer>> calls = new ArrayList<>();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 40; i++) {
        calls.add(clients.submit(() -> http.get("/v1/models").statusCode()));
      }
      for (Future<Integer> call : calls) {
        assertThat(call.get()).isEqualTo(200);
      }
    }

    assertThat(fake.requestCount()).isEqualTo(40);
    assertThat(fake.requests()).hasSize(40);
  }

  @Test
  void aFakeThatDoesNotRecordStillCountsRequests() throws Exception {
    try (FakeOpenAi quiet = FakeOpenAi.builder().recordRequests(false).start()) {
      new RawHttp(quiet).get("/v1/models");

      assertThat(quiet.requestCount()).isEqualTo(1);
      assertThat(quiet.requests()).isEmpty();
      assertThat(quiet.takeRequest(Duration.ofMillis(10))).isNull();
    }
  }
}
