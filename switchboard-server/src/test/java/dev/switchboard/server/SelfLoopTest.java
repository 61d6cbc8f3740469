package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.RequestValidationTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.outbound.Hops;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * No request turns the gateway on itself: the headers that would route or mark its next call are
 * never forwarded, its own listeners are refused as a destination even though loopback is trusted,
 * and every call it makes is marked, so one that comes back (or a chain that grows) gets 508.
 */
class SelfLoopTest {
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  static final String CHAT =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

  private static java.net.http.HttpResponse<String> chat(String... headers) {
    return gateway.postJson("/v1/chat/completions", CHAT, headers);
  }

  @BeforeEach
  void drain() throws InterruptedException {
    while (openai.takeRequest(Duration.ZERO) != null) {}
  }

  @Test
  void refusesACustomHostThatIsTheGatewayItselfThoughLoopbackIsTrusted() {
    int before = openai.requestCount();

    var response =
        chat(
            "x-portkey-provider",
            "openai",
            "x-portkey-custom-host",
            "http://127.0.0.1:" + gateway.server.port() + "/v1",
            "x-portkey-forward-headers",
            "x-portkey-provider, x-portkey-custom-host, x-portkey-forward-headers");

    assertGatewayError(response, 400, "own listener");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void refusesAnOwnListenerReachedByNameWhenConnecting() {
    var response =
        chat(
            "x-portkey-provider",
            "openai",
            "x-portkey-custom-host",
            "http://localhost:" + gateway.server.port() + "/v1");

    assertGatewayError(response, 400, "own listeners");
  }

  @Test
  void neverForwardsPortkeysOwnHostHopByHopOrCredentialHeaders() throws InterruptedException {
    var response =
        chat(
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer caller-key",
            "x-api-key",
            "other-key",
            "x-switchboard-test",
            "ours",
            "x-tenant",
            "kept",
            "x-portkey-forward-headers",
            "host, x-portkey-provider, x-portkey-forward-headers, x-switchboard-test, x-api-key,"
                + " authorization, x-tenant");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(sent.header("host")).isEqualTo("127.0.0.1:" + openai.port());
    assertThat(sent.headers()).noneMatch(h -> h.getKey().startsWith("x-portkey-"));
    assertThat(sent.header("x-switchboard-test")).isNull();
    assertThat(sent.header("x-api-key")).isNull();
    assertThat(sent.headerValues("authorization")).containsExactly("Bearer caller-key");
    assertThat(sent.header("x-tenant")).isEqualTo("kept");
  }

  @Test
  void configForwardHeadersFollowTheSameRule() throws InterruptedException {
    var response =
        chat(
            "x-portkey-config",
            "{\"provider\":\"openai\",\"api_key\":\"k\",\"forward_headers\":"
                + "[\"host\",\"x-switchboard-hops\",\"connection\",\"x-tenant\"]}",
            "x-switchboard-hops",
            "1",
            "x-tenant",
            "kept");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(sent.header("host")).isEqualTo("127.0.0.1:" + openai.port());
    assertThat(sent.headerValues(Hops.HEADER)).containsExactly("2");
    assertThat(sent.header("x-tenant")).isEqualTo("kept");
  }

  @Test
  void marksEveryUpstreamCallWithTheHopCountAndThisGatewaysId() throws InterruptedException {
    var response = chat("x-portkey-provider", "openai");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = openai.takeRequest(Duration.ofSeconds(5));
    assertThat(sent.headerValues(Hops.HEADER)).containsExactly("1");
    assertThat(sent.headerValues(Hops.MARK_HEADER))
        .containsExactly(gateway.server.gateway().instanceId());
  }

  @Test
  void refusesARequestCarryingItsOwnMarkWith508() {
    int before = openai.requestCount();

    var response =
        chat(
            "x-portkey-provider",
            "openai",
            Hops.MARK_HEADER,
            gateway.server.gateway().instanceId());

    assertGatewayError(response, 508, "Loop detected");
    assertThat(json(response).at("/error/code").asText()).isEqualTo("loop_detected");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void refusesARequestAtTheHopLimitWith508AndServesOneBelowIt() throws InterruptedException {
    int before = openai.requestCount();

    var atLimit = chat("x-portkey-provider", "openai", Hops.HEADER, Integer.toString(Hops.LIMIT));
    var below = chat("x-portkey-provider", "openai", Hops.HEADER, Integer.toString(Hops.LIMIT - 1));

    assertGatewayError(atLimit, 508, "passed through " + Hops.LIMIT + " gateways");
    assertThat(below.statusCode()).as(below.body()).isEqualTo(200);
    assertThat(openai.requestCount()).isEqualTo(before + 1);
    assertThat(openai.takeRequest(Duration.ofSeconds(5)).header(Hops.HEADER))
        .isEqualTo(Integer.toString(Hops.LIMIT));
  }

  @Test
  void refusesAHopCountThatIsNotANumberWith400() {
    var response = chat("x-portkey-provider", "openai", Hops.HEADER, "many");

    assertGatewayError(response, 400, Hops.HEADER);
  }

  @Test
  void aChainOfGatewaysCountsEveryHopAndStopsAtTheLimit() throws InterruptedException {
    try (GatewayUnderTest next = routedBy("{\"provider\":\"openai\",\"api_key\":\"k\"}", openai);
        GatewayUnderTest front =
            routedBy(
                "{\"provider\":\"openai\",\"api_key\":\"k\",\"custom_host\":\""
                    + next.uri("/v1")
                    + "\"}",
                null)) {
      var response = front.postJson("/v1/chat/completions", CHAT);

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      RecordedRequest sent = openai.takeRequest(Duration.ofSeconds(5));
      assertThat(sent.header(Hops.HEADER)).isEqualTo("2");
      assertThat(sent.header(Hops.MARK_HEADER)).isEqualTo(next.server.gateway().instanceId());

      int before = openai.requestCount();
      var tooLong =
          front.postJson(
              "/v1/chat/completions", CHAT, Hops.HEADER, Integer.toString(Hops.LIMIT - 1));

      assertThat(tooLong.statusCode()).as(tooLong.body()).isEqualTo(508);
      assertThat(openai.requestCount()).isEqualTo(before);
    }
  }

  /** A gateway whose default config is {@code config}, its openai provider {@code fake}. */
  private static GatewayUnderTest routedBy(String config, FakeOpenAi fake) {
    return GatewayUnderTest.start(
        fake == null ? null : fake.baseUrl(),
        settings -> {
          var engine = dev.switchboard.engine.GatewaySettings.builder().defaultConfig(config);
          if (fake != null) {
            engine.providerBaseUrl("openai", java.net.URI.create(fake.baseUrl()));
          }
          return new ServerSettings(
              settings.host(), 0, settings.maxBodyBytes(), settings.drainTimeout(), engine.build());
        });
  }
}
