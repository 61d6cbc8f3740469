package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.RoutingTest.target;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routes the gateway passes through unchanged ({@code /v1/responses}, audio uploads) are routed as
 * modelled ones: retried, fallen back and circuit-broken on the status the provider answered, the
 * body replayed from the gateway's buffer, the provider's own answer relayed when it is the last
 * word, and the request log telling what the client got.
 */
class PassThroughRoutingTest {
  static final String RESPONSES = "{\"model\":\"gpt-4o-mini\",\"input\":\"route me through\"}";

  @TempDir Path data;
  FakeOpenAi first;
  FakeOpenAi second;
  ManualTime time;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    first = FakeOpenAi.start();
    second = FakeOpenAi.start();
    time = new ManualTime();
    gateway = startGateway(RoutingLimits.defaults());
  }

  GatewayUnderTest startGateway(RoutingLimits limits) {
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder().routing(limits).build())
            .withObservability(ObservabilitySettings.defaults().withDataDirectory(data));
    return GatewayUnderTest.withSettings(
        settings, engine -> engine.clock(time).sleeper(time).random(new SplittableRandom(7)));
  }

  @AfterEach
  void stop() {
    gateway.close();
    first.close();
    second.close();
  }

  String fallback(String codes) {
    return RoutingTest.fallback(codes, first, second);
  }

  HttpResponse<String> responses(String config, String... more) {
    List<String> headers = new ArrayList<>(List.of("x-portkey-config", config));
    headers.addAll(List.of(more));
    return gateway.postJson("/v1/responses", RESPONSES, headers.toArray(String[]::new));
  }

  @Test
  void retriesAPassedThroughCallAfterA503AndSendsTheSameBodyAgain() {
    first.enqueue(Fault.status(503));

    var response = responses(target(first, ",\"retry\":{\"attempts\":2}"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).path("object").asText()).isEqualTo("response");
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
    assertThat(first.requests()).hasSize(2);
    assertThat(first.requests().get(1).body())
        .isEqualTo(first.requests().get(0).body())
        .isEqualTo(RESPONSES);
  }

  @Test
  void fallsBackFromAPassedThrough503ToTheNextTarget() {
    first.enqueue(Fault.status(503));

    var response = responses(fallback(""));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requests())
        .singleElement()
        .extracting(RecordedRequest::body)
        .isEqualTo(RESPONSES);
  }

  @Test
  void fallsBackOnlyOnTheListedStatusesAndRelaysTheProvidersOwnAnswerOtherwise() {
    String config = fallback(",\"on_status_codes\":[503]");
    first.enqueue(Fault.status(503));
    first.enqueue(Fault.status(500));

    var listed = responses(config);
    var unlisted = responses(config);

    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(unlisted.statusCode()).isEqualTo(500);
    // The provider's body as it sent it, not the gateway's "openai error: …" shape.
    assertThat(json(unlisted).path("error").path("message").asText()).doesNotStartWith("openai");
    assertThat(json(unlisted).path("error").path("type").asText()).isEqualTo("server_error");
    assertThat(second.requestCount()).isEqualTo(1);
  }

  @Test
  void retriesOnlyTheListedStatusesAndRelaysTheLastAnswerWhenRetriesRunOut() {
    first.enqueue(Fault.status(429).withHeader("x-upstream-said", "busy"));
    first.enqueue(Fault.status(503).withHeader("x-upstream-said", "first"));
    first.enqueue(Fault.status(503).withHeader("x-upstream-said", "second"));

    var notListed =
        responses(target(first, ",\"retry\":{\"attempts\":3,\"on_status_codes\":[503]}"));
    var ranOut = responses(target(first, ",\"retry\":{\"attempts\":1,\"on_status_codes\":[503]}"));

    assertThat(notListed.statusCode()).isEqualTo(429);
    assertThat(notListed.headers().firstValue("x-upstream-said")).hasValue("busy");
    assertThat(ranOut.statusCode()).isEqualTo(503);
    assertThat(ranOut.headers().firstValue("x-upstream-said")).hasValue("second");
    assertThat(ranOut.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("-1");
    assertThat(json(ranOut).path("error").path("type").asText()).isNotEmpty();
    assertThat(first.requestCount()).isEqualTo(3);
  }

  @Test
  void retriesAMultipartAudioUploadByteForByte() {
    first.enqueue(Fault.status(502));
    String boundary = "switchboard-boundary-7d1f";
    // Valid UTF-8 throughout (the fake records bodies as text), with non-ASCII bytes in the file.
    byte[] audio =
        "RIFF\u00e9\u00e8WAVEfmt \u2603 data \u00ff\u00fe".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream form = new ByteArrayOutputStream();
    form.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                + "whisper-1\r\n--"
                + boundary
                + "\r\nContent-Disposition: form-data;"
                + " name=\"file\"; filename=\"take.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    form.writeBytes(audio);
    form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    byte[] sent = form.toByteArray();

    var response =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/v1/audio/transcriptions"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .header("x-portkey-config", target(first, ",\"retry\":{\"attempts\":1}"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).path("text").asText()).contains("take.wav");
    assertThat(first.requests()).hasSize(2);
    for (RecordedRequest delivered : first.requests()) {
      assertThat(delivered.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(sent);
      assertThat(delivered.header("content-type"))
          .isEqualTo("multipart/form-data; boundary=" + boundary);
    }
  }

  @Test
  void theRequestLogRecordsTheStatusTheClientGotAndEveryAttempt() {
    first.enqueue(Fault.status(503));
    var recovered =
        responses(target(first, ",\"retry\":{\"attempts\":1}"), "x-portkey-trace-id", "t-ok");
    first.enqueue(Fault.status(503));
    first.enqueue(Fault.status(503));

    var failed =
        responses(target(first, ",\"retry\":{\"attempts\":1}"), "x-portkey-trace-id", "t-503");

    assertThat(recovered.statusCode()).isEqualTo(200);
    assertThat(failed.statusCode()).isEqualTo(503);
    JsonNode ok = LogsApi.awaitRecord(gateway, "t-ok");
    assertThat(ok.path("path").asText()).isEqualTo("/v1/responses");
    assertThat(ok.path("status").asInt()).isEqualTo(200);
    assertThat(ok.path("retries").asInt()).isEqualTo(1);
    assertThat(ok.path("attempts").findValuesAsText("status")).containsExactly("503", "200");
    JsonNode bad = LogsApi.awaitRecord(gateway, "t-503");
    assertThat(bad.path("status").asInt()).isEqualTo(503);
    assertThat(bad.path("error_type").asText()).isEqualTo("provider_error");
    assertThat(bad.path("attempts").findValuesAsText("status")).containsExactly("503", "503");
    assertThat(bad.path("attempts").findValuesAsText("error_type"))
        .containsExactly("provider_error", "provider_error");
  }

  @Test
  void theRequestLogRecordsTheCreatedStatusTheProviderAnsweredAndTheClientGot() {
    String offer = "v=0\r\no=- 7 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP 111\r\n";

    var created =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/v1/realtime/calls"))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/sdp")
                .header("x-portkey-config", target(first, ""))
                .header("x-portkey-trace-id", "t-201")
                .POST(HttpRequest.BodyPublishers.ofString(offer)));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("location").orElseThrow())
        .startsWith("/v1/realtime/calls/rtc_");
    assertThat(created.body()).startsWith("v=0");
    JsonNode record = LogsApi.awaitRecord(gateway, "t-201");
    assertThat(record.path("status").asInt()).isEqualTo(201);
    assertThat(record.path("error_type").isNull()).isTrue();
    assertThat(record.path("attempts").findValuesAsText("status")).containsExactly("201");
  }

  @Test
  void aRelayedRateLimitCountsInTheLogTheMetricsAndTheCircuitAsOnTheChatRoute() {
    gateway.close();
    gateway = startGateway(RoutingTest.circuitOpeningAfterTwoFailures());
    String chat =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int i = 0; i < 2; i++) {
      first.enqueue(Fault.status(429));
      second.enqueue(Fault.status(429));
    }
    List<HttpResponse<String>> chats = new ArrayList<>();
    List<HttpResponse<String>> relayed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      chats.add(
          gateway.postJson(
              "/v1/chat/completions",
              chat,
              "x-portkey-config",
              target(first, ""),
              "x-portkey-trace-id",
              "t-chat-429-" + i));
      relayed.add(responses(target(second, ""), "x-portkey-trace-id", "t-relayed-429-" + i));
    }

    for (int i = 0; i < 2; i++) {
      assertThat(chats.get(i).statusCode()).isEqualTo(429);
      assertThat(relayed.get(i).statusCode()).isEqualTo(429);
      for (String trace : List.of("t-chat-429-" + i, "t-relayed-429-" + i)) {
        JsonNode record = LogsApi.awaitRecord(gateway, trace);
        assertThat(record.path("status").asInt()).as(trace).isEqualTo(429);
        assertThat(record.path("error_type").asText()).as(trace).isEqualTo("rate_limited");
        assertThat(record.at("/attempts/0/error_type").asText())
            .as(trace)
            .isEqualTo("rate_limited");
      }
    }
    // Two 429s in a row open either upstream's circuit: the third request reaches neither.
    assertThat(chats.get(2).statusCode()).isEqualTo(503);
    assertThat(relayed.get(2).statusCode()).isEqualTo(503);
    assertThat(first.requestCount()).isEqualTo(2);
    assertThat(second.requestCount()).isEqualTo(2);
    LogsApi.awaitRecord(gateway, "t-relayed-429-2");
    var duration =
        PrometheusExposition.parse(gateway.get("/metrics").body())
            .get("gen_ai_client_operation_duration_seconds");
    String count = "gen_ai_client_operation_duration_seconds_count";
    assertThat(duration.sum(count, l -> "rate_limited".equals(l.get("error_type")))).isEqualTo(4.0);
    assertThat(duration.sum(count, l -> "provider_error".equals(l.get("error_type")))).isZero();
  }

  @Test
  void repeatedServerErrorsOnAPassedThroughRouteOpenItsCircuit() {
    gateway.close();
    gateway = startGateway(RoutingTest.circuitOpeningAfterTwoFailures());
    String config = target(first, "");
    first.enqueue(Fault.status(500));
    first.enqueue(Fault.status(502));
    responses(config);
    responses(config);

    var refused = responses(config);

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(json(refused).path("error").path("message").asText())
        .containsIgnoringCase("circuit");
    assertThat(first.requestCount()).isEqualTo(2);
  }
}
