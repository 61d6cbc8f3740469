package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static dev.switchboard.server.RequestValidationTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Portkey's configs through HTTP: every strategy, retries, caps and deadlines, circuits. */
class RoutingTest {
  FakeOpenAi first;
  FakeOpenAi second;
  ManualTime time;
  GatewayUnderTest gateway;

  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"route me\"}]}";
  static final String STREAM = CHAT.replace("}]}", "}],\"stream\":true}");

  @BeforeEach
  void start() {
    first = FakeOpenAi.start();
    second = FakeOpenAi.start();
    time = new ManualTime();
    gateway = startGateway(RoutingLimits.defaults());
  }

  GatewayUnderTest startGateway(RoutingLimits limits) {
    GatewaySettings settings = GatewaySettings.builder().routing(limits).build();
    return GatewayUnderTest.withEngine(
        settings, engine -> engine.clock(time).sleeper(time).random(new SplittableRandom(42)));
  }

  @AfterEach
  void stop() {
    gateway.close();
    first.close();
    second.close();
  }

  static String target(FakeOpenAi fake, String extra) {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-t\",\"custom_host\":\""
        + fake.baseUrl()
        + "\""
        + extra
        + "}";
  }

  HttpResponse<String> send(String body, String config) {
    return gateway.postJson("/v1/chat/completions", body, "x-portkey-config", config);
  }

  String fallback(String codes) {
    return fallback(codes, first, second);
  }

  /** A fallback from {@code first} to {@code second}; {@code codes} adds to the strategy. */
  static String fallback(String codes, FakeOpenAi first, FakeOpenAi second) {
    return "{\"strategy\":{\"mode\":\"fallback\""
        + codes
        + "},\"targets\":["
        + target(first, "")
        + ","
        + target(second, "")
        + "]}";
  }

  /** The default limits, but a circuit that opens after two failures in a row. */
  static RoutingLimits circuitOpeningAfterTwoFailures() {
    return new RoutingLimits(
        10,
        Duration.ofMinutes(5),
        Duration.ofSeconds(1),
        Duration.ofSeconds(60),
        2,
        Duration.ofSeconds(30));
  }

  @Test
  void fallsBackToTheSecondTargetOnAnyNon2xxWhenNoStatusesAreListed() {
    first.enqueue(Fault.status(500));

    var response = send(CHAT, fallback(""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("openai");
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isEqualTo(1);
  }

  @Test
  void fallsBackOnlyOnTheListedStatuses() {
    first.enqueue(Fault.status(500));

    var response = send(CHAT, fallback(",\"on_status_codes\":[429]"));

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(json(response).path("provider").asText()).isEqualTo("openai");
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void fallsBackOnAConnectionErrorAndOnATimeout() {
    first.enqueue(Fault.resetConnection());
    assertThat(send(CHAT, fallback(",\"on_status_codes\":[429]")).statusCode()).isEqualTo(200);

    first.enqueue(Fault.slowFirstByte(Duration.ofSeconds(2)));
    String timed =
        "{\"strategy\":{\"mode\":\"fallback\"},\"request_timeout\":200,\"targets\":["
            + target(first, "")
            + ","
            + target(second, "")
            + "]}";
    var response = send(CHAT, timed);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
  }

  @Test
  void aNestedTreeReportsThePathOfTheTargetThatAnswered() {
    first.enqueue(Fault.status(503));
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + target(first, "")
            + ","
            + target(second, "")
            + "]}]}";

    var response = send(CHAT, config);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[0].targets[1]");
  }

  @Test
  void overrideParamsSwapTheModelPerTargetAndMergeParentToChild() throws InterruptedException {
    String config =
        "{\"override_params\":{\"temperature\":0.3,\"model\":\"parent\"},\"strategy\":{\"mode\":\"single\"},\"targets\":["
            + target(first, ",\"override_params\":{\"model\":\"gpt-4o\"}")
            + "]}";

    send(CHAT, config);

    JsonNode sent = first.takeRequest(Duration.ofSeconds(5)).json();
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4o");
    assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(sent.path("messages")).hasSize(1);
  }

  @Test
  void acceptsCamelCaseAsPortkeyDoes() {
    first.enqueue(Fault.status(429));
    String config =
        "{\"strategy\":{\"mode\":\"fallback\",\"onStatusCodes\":[429]},\"targets\":["
            + "{\"provider\":\"openai\",\"apiKey\":\"sk-t\",\"customHost\":\""
            + first.baseUrl()
            + "\"},"
            + "{\"provider\":\"openai\",\"apiKey\":\"sk-t\",\"customHost\":\""
            + second.baseUrl()
            + "\",\"overrideParams\":{\"model\":\"gpt-4o\"}}]}";

    var response = send(CHAT, config);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).path("model").asText()).isEqualTo("gpt-4o");
  }

  @Test
  void routesByConditionOnMetadataAndParamsElseTheDefault() {
    String config =
        "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":["
            + "{\"query\":{\"$and\":[{\"metadata.plan\":{\"$eq\":\"paid\"}},{\"params.model\":{\"$in\":[\"gpt-4o-mini\"]}}]},\"then\":\"premium\"}],"
            + "\"default\":\"basic\"},\"targets\":["
            + target(first, ",\"name\":\"premium\"")
            + ","
            + target(second, ",\"name\":\"basic\"")
            + "]}";

    var paid =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            config,
            "x-portkey-metadata",
            "{\"plan\":\"paid\"}");
    var free =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            config,
            "x-portkey-metadata",
            "{\"plan\":\"free\"}");

    assertThat(paid.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[0]");
    assertThat(free.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
  }

  @Test
  void conditionsReadNumericMetadataAsNumbersCountListsAndSeeThePathAsPortkeyDoes() {
    String config =
        "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":["
            + "{\"query\":{\"url.pathname\":\"/v1/embeddings\"},\"then\":\"embed\"},"
            + "{\"query\":{\"metadata.tier\":{\"$gt\":2}},\"then\":\"big\"},"
            + "{\"query\":{\"params.messages\":{\"$length\":{\"$gte\":2}}},\"then\":\"long\"}],"
            + "\"default\":\"small\"},\"targets\":["
            + "{\"name\":\"embed\",\"provider\":\"mock\"},"
            + "{\"name\":\"big\",\"provider\":\"mock\",\"override_params\":{\"model\":\"big\"}},"
            + "{\"name\":\"long\",\"provider\":\"mock\",\"override_params\":{\"model\":\"long\"}},"
            + "{\"name\":\"small\",\"provider\":\"mock\",\"override_params\":{\"model\":\"small\"}}]}";
    String twoMessages =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
            + "{\"role\":\"user\",\"content\":\"b\"}]}";

    var tier3 =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            config,
            "x-portkey-metadata",
            "{\"tier\":\"3\"}");
    var tier10 =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            config,
            "x-portkey-metadata",
            "{\"tier\":\"10\"}");
    var tierWord =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-config",
            config,
            "x-portkey-metadata",
            "{\"tier\":\"gold\"}");
    var longChat =
        gateway.postJson("/v1/chat/completions", twoMessages, "x-portkey-config", config);
    var embedding =
        gateway.postJson(
            "/v1/embeddings", "{\"model\":\"e\",\"input\":\"hi\"}", "x-portkey-config", config);

    assertThat(json(tier3).path("model").asText()).isEqualTo("big");
    assertThat(json(tier10).path("model").asText()).isEqualTo("big");
    assertThat(json(tierWord).path("model").asText()).isEqualTo("small");
    assertThat(json(longChat).path("model").asText()).isEqualTo("long");
    assertThat(embedding.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[0]");
  }

  @Test
  void aConditionalWithoutMatchOrDefaultIs400() {
    String config =
        "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":[{\"query\":{\"metadata.plan\":\"paid\"},\"then\":\"a\"}]},"
            + "\"targets\":["
            + target(first, ",\"name\":\"a\"")
            + "]}";

    assertGatewayError(send(CHAT, config), 400, "Query router did not resolve to any valid target");
    assertThat(first.requestCount()).isZero();
  }

  @Test
  void retriesWithExponentialBackoffAndJitterThenSucceeds() {
    first.enqueue(Fault.status(503));
    first.enqueue(Fault.status(503));

    var response = send(CHAT, target(first, ",\"retry\":{\"attempts\":3}"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("2");
    assertThat(time.sleeps).hasSize(2);
    assertThat(time.sleeps.get(0)).isBetween(Duration.ofMillis(1000), Duration.ofMillis(1250));
    assertThat(time.sleeps.get(1)).isBetween(Duration.ofMillis(2000), Duration.ofMillis(2500));
  }

  @Test
  void reportsMinusOneWhenRetriesRanOut() {
    for (int i = 0; i < 3; i++) {
      first.enqueue(Fault.status(502));
    }

    var response = send(CHAT, target(first, ",\"retry\":{\"attempts\":2}"));

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("-1");
    assertThat(first.requestCount()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "retry-after:3",
        "retry-after-ms:3000",
        "x-ms-retry-after-ms:3000",
        "retry-after:DATE"
      })
  void neverRetriesEarlierThanTheProviderAsked(String header) {
    String[] parts = header.split(":", 2);
    String value =
        parts[1].equals("DATE")
            ? DateTimeFormatter.RFC_1123_DATE_TIME.format(
                time.instant().plusSeconds(3).atZone(ZoneOffset.UTC))
            : parts[1];
    first.enqueue(Fault.status(429).withHeader(parts[0], value));

    var response =
        send(CHAT, target(first, ",\"retry\":{\"attempts\":1,\"use_retry_after_header\":true}"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(time.sleeps).hasSize(1);
    assertThat(time.sleeps.getFirst()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aRetryAfterOverSixtySecondsReturnsTheErrorAtOnce() {
    first.enqueue(Fault.status(429).withHeader("retry-after", "61"));

    var response =
        send(CHAT, target(first, ",\"retry\":{\"attempts\":3,\"use_retry_after_header\":true}"));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).hasValue("61");
    assertThat(time.sleeps).isEmpty();
    assertThat(first.requestCount()).isEqualTo(1);
  }

  /** Limits whose circuit breaker never opens, to see the retry and attempt caps alone. */
  void withoutCircuitBreaking() {
    gateway.close();
    gateway =
        startGateway(
            new RoutingLimits(
                10,
                Duration.ofMinutes(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                1000,
                Duration.ofSeconds(30)));
  }

  @Test
  void clampsAttemptsToFive() {
    withoutCircuitBreaking();
    for (int i = 0; i < 10; i++) {
      first.enqueue(Fault.status(503));
    }

    send(CHAT, target(first, ",\"retry\":{\"attempts\":10}"));

    assertThat(first.requestCount()).isEqualTo(6);
  }

  @Test
  void capsTheUpstreamAttemptsOfOneRequestAcrossNestedTargets() {
    withoutCircuitBreaking();
    for (int i = 0; i < 50; i++) {
      first.enqueue(Fault.status(503));
    }
    String leaf = target(first, ",\"retry\":{\"attempts\":5}");
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + String.join(",", leaf, leaf, leaf, leaf)
            + "]}";

    var response = send(CHAT, config);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(first.requestCount()).isEqualTo(RoutingLimits.defaults().maxAttempts());
  }

  @Test
  void oneDeadlineCoversEveryRetryAndFallback() {
    gateway.close();
    gateway =
        startGateway(
            new RoutingLimits(
                10,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(60),
                5,
                Duration.ofSeconds(30)));
    for (int i = 0; i < 10; i++) {
      first.enqueue(Fault.status(503));
    }

    var response = send(CHAT, target(first, ",\"retry\":{\"attempts\":5}"));

    // waits of 1 s and 2 s fit in 5 s; the next (4 s) would end past the deadline
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(first.requestCount()).isEqualTo(3);
    assertThat(time.sleeps.stream().reduce(Duration.ZERO, Duration::plus))
        .isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aRequestTimeoutBoundsEachAttemptAndAnswers408() {
    first.enqueue(Fault.slowFirstByte(Duration.ofSeconds(2)));

    var response = send(CHAT, target(first, ",\"request_timeout\":200"));

    RequestValidationTest.assertRequestTimeout(response, "200ms");
  }

  @Test
  void neverSendsARequestTwiceAfterTheConnectionWasResetOnceSent() {
    first.enqueue(Fault.resetConnection());

    var response =
        send(CHAT, target(first, ",\"retry\":{\"attempts\":3,\"on_status_codes\":[502,503]}"));

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(time.sleeps).isEmpty();
  }

  @Test
  void aStreamFallsBackBeforeItsFirstByte() {
    first.enqueue(Fault.status(500));

    var response = send(STREAM, fallback(""));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(sseData(response.body()).getLast()).isEqualTo("[DONE]");
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
  }

  @Test
  void aStreamNeverFallsBackAfterItsFirstByte() {
    first.enqueue(Fault.cutStreamAfter(2));

    var response = send(STREAM, fallback(""));

    List<String> data = sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(WireJson.tree(data.getLast()).has("error")).isTrue();
    assertThat(second.requestCount()).isZero();
  }

  @Test
  void opensTheCircuitOfAFailingTargetThenProbesAndCloses() {
    gateway.close();
    gateway = startGateway(circuitOpeningAfterTwoFailures());
    String config = fallback("");
    first.enqueue(Fault.status(500));
    first.enqueue(Fault.status(500));
    send(CHAT, config);
    send(CHAT, config);

    var skipped = send(CHAT, config);

    assertThat(skipped.statusCode()).isEqualTo(200);
    assertThat(first.requestCount()).isEqualTo(2);
    assertThat(circuitStateOf(first)).isEqualTo("open");

    time.advance(Duration.ofSeconds(31));
    var probe = send(CHAT, config);

    assertThat(probe.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[0]");
    assertThat(first.requestCount()).isEqualTo(3);
    assertThat(circuitStateOf(first)).isEqualTo("closed");
  }

  @Test
  void anOpenCircuitTellsTheClientWhenToComeBack() {
    gateway.close();
    gateway = startGateway(circuitOpeningAfterTwoFailures());
    String config = target(first, "");
    first.enqueue(Fault.status(429));
    first.enqueue(Fault.status(429));
    send(CHAT, config);
    send(CHAT, config);

    var refused = send(CHAT, config);
    time.advance(Duration.ofMillis(10_500));
    var later = send(CHAT, config);

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("retry-after")).hasValue("30");
    assertThat(later.statusCode()).isEqualTo(503);
    assertThat(later.headers().firstValue("retry-after")).hasValue("20");
    assertThat(first.requestCount()).isEqualTo(2);
  }

  private String circuitStateOf(FakeOpenAi upstream) {
    for (var circuit : json(gateway.get("/v1/health")).path("circuits")) {
      if (circuit.path("upstream").asText().contains(upstream.baseUrl())) {
        return circuit.path("state").asText();
      }
    }
    throw new AssertionError("no circuit for " + upstream.baseUrl());
  }

  @Test
  void splitsTrafficByWeightAndAZeroWeightTakesNone() {
    String config =
        "{\"strategy\":{\"mode\":\"loadbalance\"},\"targets\":["
            + "{\"provider\":\"mock\",\"weight\":0.7,\"override_params\":{\"model\":\"a\"}},"
            + "{\"provider\":\"mock\",\"weight\":0.3,\"override_params\":{\"model\":\"b\"}},"
            + "{\"provider\":\"mock\",\"weight\":0,\"override_params\":{\"model\":\"never\"}}]}";
    int a = 0;
    int picks = 10_000;
    for (int i = 0; i < picks; i++) {
      String model = json(send(CHAT, config)).path("model").asText();
      assertThat(model).isNotEqualTo("never");
      a += model.equals("a") ? 1 : 0;
    }

    double share = a / (double) picks;
    System.out.printf(
        "weighted share of a: %.4f (expected 0.7000, error %.4f)%n", share, Math.abs(share - 0.7));
    assertThat(share).isBetween(0.68, 0.72);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"strategy\":{\"mode\":\"roundrobin\"},\"targets\":[{\"provider\":\"mock\"}]}|config.strategy.mode",
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[]}|config.targets",
        "{\"strategy\":{\"mode\":\"loadbalance\"},\"targets\":[{\"provider\":\"mock\",\"weight\":-1}]}|config.targets[0].weight",
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"provider\":\"nosuch\"}]}|config.targets[0].provider",
        "{\"provider\":\"openai\",\"custom_host\":\"http://169.254.169.254/\"}|Invalid custom host",
        "{\"provider\":\"openai\",\"retry\":{\"attempts\":\"three\"}}|config.retry.attempts",
        "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":[{\"query\":{\"metadata.a\":1},\"then\":\"x\"}]},\"targets\":[{\"provider\":\"mock\",\"name\":\"y\"}]}|config.strategy.conditions[0].then",
        "{\"strategy\":{\"mode\":\"conditional\",\"conditions\":[{\"query\":{\"metadata.a\":{\"$near\":1}},\"then\":\"y\"}]},\"targets\":[{\"provider\":\"mock\",\"name\":\"y\"}]}|$near",
        "{not json|valid json",
        "pc-unknown|no config with id",
      })
  void refusesAnInvalidConfigWith400NamingTheFieldBeforeAnyCall(String caseAndField) {
    String[] parts = caseAndField.split("\\|");

    var response = send(CHAT, parts[0]);

    assertGatewayError(response, 400, parts[1]);
    assertThat(first.requestCount() + second.requestCount()).isZero();
  }

  @Test
  void routesByAConfigSavedInTheGatewayAndByTheDefaultConfig() {
    gateway.close();
    var settings =
        GatewaySettings.builder()
            .config("pc-fallback-1", WireJson.tree(fallback("")))
            .defaultConfig("pc-fallback-1")
            .build();
    gateway = GatewayUnderTest.withEngine(settings, engine -> engine.clock(time).sleeper(time));
    first.enqueue(Fault.status(500));
    first.enqueue(Fault.status(500));

    var byId = send(CHAT, "pc-fallback-1");
    var byDefault = gateway.postJson("/v1/chat/completions", CHAT);

    assertThat(byId.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(byDefault.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(second.requestCount()).isEqualTo(2);
  }
}
