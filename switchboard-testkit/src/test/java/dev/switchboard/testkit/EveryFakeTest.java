package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every fake does alike, whatever its provider: binding its port, recording, closing. */
class EveryFakeTest {
  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** What the fakes have in common, for one test to drive all three. */
  record Fake(
      AutoCloseable fake,
      IntSupplier port,
      Supplier<List<RecordedRequest>> requests,
      IntSupplier requestCount,
      Taker taker)
      implements AutoCloseable {
    int portNumber() {
      return port.getAsInt();
    }

    int getStatus(String path) throws IOException, InterruptedException {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portNumber() + path))
              .GET()
              .build();
      return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() throws Exception {
      fake.close();
    }
  }

  interface Taker {
    RecordedRequest take(Duration timeout) throws InterruptedException;
  }

  enum Provider {
    OPENAI("OpenAI", FakeOpenAi.builder()::port, EveryFakeTest::openAi),
    ANTHROPIC("Anthropic", FakeAnthropic.builder()::port, EveryFakeTest::anthropic),
    BEDROCK("Bedrock", FakeBedrock.builder()::port, EveryFakeTest::bedrock),
    AZURE_OPENAI("AzureOpenAI", FakeAzureOpenAi.builder()::port, EveryFakeTest::azureOpenAi),
    COHERE("Cohere", FakeCohere.builder()::port, EveryFakeTest::cohere),
    GEMINI("Gemini", FakeGemini.builder()::port, EveryFakeTest::gemini),
    VERTEX("Vertex", FakeVertex.builder()::port, EveryFakeTest::vertex);

    final String name;
    final IntConsumer choosePort;
    final Starter starter;

    Provider(String name, IntConsumer choosePort, Starter starter) {
      this.name = name;
      this.choosePort = choosePort;
      this.starter = starter;
    }

    void choosePort(int port) {
      choosePort.accept(port);
    }

    Fake start(int port, boolean recordRequests) {
      return starter.start(port, recordRequests);
    }
  }

  interface Starter {
    Fake start(int port, boolean recordRequests);
  }

  static Fake openAi(int port, boolean recordRequests) {
    FakeOpenAi fake = FakeOpenAi.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake anthropic(int port, boolean recordRequests) {
    FakeAnthropic fake = FakeAnthropic.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake bedrock(int port, boolean recordRequests) {
    FakeBedrock fake = FakeBedrock.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake azureOpenAi(int port, boolean recordRequests) {
    FakeAzureOpenAi fake =
        FakeAzureOpenAi.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake cohere(int port, boolean recordRequests) {
    FakeCohere fake = FakeCohere.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake gemini(int port, boolean recordRequests) {
    FakeGemini fake = FakeGemini.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  static Fake vertex(int port, boolean recordRequests) {
    FakeVertex fake = FakeVertex.builder().port(port).recordRequests(recordRequests).start();
    return new Fake(fake, fake::port, fake::requests, fake::requestCount, fake::takeRequest);
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void aBuilderTakesAPortFrom0To65535Only(Provider provider) {
    provider.choosePort(0);
    provider.choosePort(65535);
    assertThatThrownBy(() -> provider.choosePort(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a port: -1");
    assertThatThrownBy(() -> provider.choosePort(65536))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a port: 65536");
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void aPortAlreadyTakenFailsTheStartNamingTheFakeAndThePort(Provider provider) throws Exception {
    try (Fake first = provider.start(0, true)) {
      int taken = first.portNumber();

      assertThatThrownBy(() -> provider.start(taken, true))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("the fake " + provider.name + " could not start on port " + taken);
    }
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void recordsEveryRequestRefusedOnesIncludedOldestFirst(Provider provider) throws Exception {
    try (Fake fake = provider.start(0, true)) {
      assertThat(fake.getStatus("/not-an-api?first=1")).isBetween(400, 499);
      fake.getStatus("/not-an-api/either");

      assertThat(fake.requestCount().getAsInt()).isEqualTo(2);
      assertThat(fake.requests().get())
          .extracting(RecordedRequest::path)
          .containsExactly("/not-an-api", "/not-an-api/either");
      RecordedRequest first = fake.taker().take(Duration.ofSeconds(1));
      assertThat(first.method()).isEqualTo("GET");
      assertThat(first.query()).isEqualTo("first=1");
      assertThat(fake.taker().take(Duration.ofSeconds(1)).path()).isEqualTo("/not-an-api/either");
      assertThat(fake.taker().take(Duration.ofMillis(20))).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void aFakeThatDoesNotRecordStillCountsRequests(Provider provider) throws Exception {
    try (Fake fake = provider.start(0, false)) {
      fake.getStatus("/not-an-api");

      assertThat(fake.requestCount().getAsInt()).isEqualTo(1);
      assertThat(fake.requests().get()).isEmpty();
      assertThat(fake.taker().take(Duration.ofMillis(10))).isNull();
    }
  }

  @ParameterizedTest
  @EnumSource(Provider.class)
  void stopsListeningWhenClosed(Provider provider) throws Exception {
    Fake fake = provider.start(0, true);
    int port = fake.portNumber();
    assertThat(port).isPositive();

    fake.close();

    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
        .isInstanceOf(ConnectException.class);
  }
}
