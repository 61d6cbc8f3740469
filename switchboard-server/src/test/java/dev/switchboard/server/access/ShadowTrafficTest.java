package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.shadow.ShadowSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shadow traffic through HTTP: a config's {@code shadow} replays a share of requests against
 * another target once the client was answered. The client gets only the primary's answer and never
 * waits for the shadow; both are logged and linked ({@code shadow_of}) and compared in {@code
 * /v1/analytics}; a shadow is never charged to the caller's budget, stops at its own spend cap and
 * at the kill switch, passes the caller's scopes and the primary's guardrails, and its failure
 * never reaches the client.
 */
class ShadowTrafficTest {
  static final String ADMIN_TOKEN = "sbadm-shadow-" + UUID.randomUUID();
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir Path data;
  FakeOpenAi primary;
  FakeOpenAi shadow;
  AccessGateway gateway;

  @BeforeEach
  void startPrimary() {
    primary = FakeOpenAi.start();
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    primary.close();
    if (shadow != null) {
      shadow.close();
    }
  }

  AccessGateway start(boolean requireKeys, UnaryOperator<ShadowSettings> shadows) {
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(
                    AccessSettings.inMemory().withRequireKeys(requireKeys), ADMIN_TOKEN)
                .withObservability(ObservabilitySettings.defaults().withDataDirectory(data))
                .withProviderBaseUrls(Map.of("openai", primary.baseUrl())),
            engine -> engine.shadow(shadows.apply(ShadowSettings.defaults())));
    return gateway;
  }

  AccessGateway start() {
    return start(false, s -> s);
  }

  /** A config whose primary is the gateway's openai, mirrored to {@code shadowTarget}. */
  static String config(String shadowTarget, double share) {
    return """
    {"provider":"openai","api_key":"sk-primary",
     "shadow":{"target":%s,"share":%s}}\
    """
        .formatted(shadowTarget, share)
        .replace("\n", "");
  }

  /** The shadow fake as a config target, asking for {@code model}. */
  String shadowTarget(String model) {
    return """
    {"provider":"openai","api_key":"sk-shadow","custom_host":"%s",
     "override_params":{"model":"%s"}}\
    """
        .formatted(shadow.baseUrl(), model)
        .replace("\n", "");
  }

  HttpResponse<String> chat(String body, String config, String... more) {
    List<String> headers = new ArrayList<>(List.of("x-portkey-config", config));
    headers.addAll(List.of(more));
    return gateway.send("POST", "/v1/chat/completions", body, headers.toArray(String[]::new));
  }

  /** {@code GET /v1/shadows} once {@code ended} shadows ended (at most 30 s). */
  JsonNode awaitShadowsEnded(long ended) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      JsonNode state = WireJson.tree(gateway.admin("GET", "/v1/shadows", null).body());
      if (state.path("ended").asLong() >= ended && state.path("in_flight").asInt() == 0) {
        gateway.awaitRequestLog();
        return state;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("shadows did not end: " + state);
      }
      Thread.sleep(20);
    }
  }

  JsonNode logs(String query) {
    HttpResponse<String> page = gateway.admin("GET", "/v1/logs?" + query, null);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    return WireJson.tree(page.body()).path("data");
  }

  JsonNode analytics(String query) {
    HttpResponse<String> answer = gateway.admin("GET", "/v1/analytics?" + query, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return WireJson.tree(answer.body());
  }

  static String requestId(HttpResponse<String> response) {
    return response.headers().firstValue("x-switchboard-request-id").orElseThrow();
  }

  @Test
  void theClientGetsThePrimarysAnswerAndTheShadowsIsLoggedLinkedAndCompared() throws Exception {
    shadow = FakeOpenAi.start();
    start();

    HttpResponse<String> answer = chat(CHAT, config(shadowTarget("gpt-4o"), 1));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(WireJson.tree(answer.body()).path("model").asText()).startsWith("gpt-4o-mini");
    RecordedRequest mirrored = shadow.takeRequest(Duration.ofSeconds(10));
    assertThat(mirrored).isNotNull();
    assertThat(mirrored.json().path("model").asText()).isEqualTo("gpt-4o");
    assertThat(mirrored.header("authorization")).isEqualTo("Bearer sk-shadow");
    assertThat(primary.requestCount()).isEqualTo(1);
    awaitShadowsEnded(1);

    String id = requestId(answer);
    JsonNode linked = logs("shadow_of=" + id);
    assertThat(linked).hasSize(1);
    JsonNode shadowRecord = linked.get(0);
    assertThat(shadowRecord.path("shadow_of").asText()).isEqualTo(id);
    assertThat(shadowRecord.path("status").asInt()).isEqualTo(200);
    assertThat(shadowRecord.path("request_model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(shadowRecord.path("model").asText()).startsWith("gpt-4o");
    assertThat(shadowRecord.path("cost_usd").decimalValue()).isPositive();
    HttpResponse<String> one = gateway.admin("GET", "/v1/logs/" + id, null);
    assertThat(WireJson.tree(one.body()).path("shadows").toString())
        .isEqualTo("[\"" + shadowRecord.path("id").asText() + "\"]");
    JsonNode primaryRecord = logs("request_id=" + id).get(0);
    assertThat(primaryRecord.path("shadow_of").isNull()).isTrue();
    assertThat(primaryRecord.path("text_digest").asText())
        .isNotEmpty()
        .isEqualTo(shadowRecord.path("text_digest").asText());
    assertThat(logs("shadows=exclude")).hasSize(1);
    assertThat(logs("shadows=only")).hasSize(1);

    JsonNode report = analytics("group_by=none");
    assertThat(report.at("/totals/0/requests").asLong()).isEqualTo(1); // the shadow is apart
    JsonNode pair = report.at("/shadows/0");
    assertThat(pair.path("pairs").asLong()).isEqualTo(1);
    assertThat(pair.path("shadow_model").asText()).startsWith("gpt-4o");
    assertThat(pair.path("shadow_errors").asLong()).isZero();
    assertThat(pair.path("texts_agree").asLong()).isEqualTo(1);
    assertThat(pair.path("tool_calls_agree").asLong()).isEqualTo(1);
    assertThat(pair.path("shadow_cost_usd").decimalValue())
        .isEqualByComparingTo(shadowRecord.path("cost_usd").decimalValue());
    assertThat(pair.path("shadow_latency_p50_ms").asDouble()).isPositive();
    assertThat(analytics("shadows=only").at("/totals/0/requests").asLong()).isEqualTo(1);
  }

  @Test
  void aStreamedRequestIsMirroredAfterItsStreamEndedAndTheClientSeesOnlyItsOwnEvents()
      throws Exception {
    shadow = FakeOpenAi.start();
    start();
    String streamed =
        "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> answer = chat(streamed, config(shadowTarget("gpt-4o"), 1));

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("data: [DONE]").doesNotContain("\"model\":\"gpt-4o\"");
    assertThat(shadow.takeRequest(Duration.ofSeconds(10))).isNotNull();
    awaitShadowsEnded(1);
    JsonNode linked = logs("shadow_of=" + requestId(answer));
    assertThat(linked).hasSize(1);
    assertThat(linked.get(0).path("streamed").asBoolean()).isTrue();
    assertThat(linked.get(0).path("stream_end").asText()).isEqualTo("completed");
    assertThat(analytics("group_by=none").at("/shadows/0/texts_agree").asLong()).isEqualTo(1);
  }

  @Test
  void aShareOfZeroMirrorsNothingAndAShadowTargetMaySetNoGuardrailOfItsOwn() throws Exception {
    shadow = FakeOpenAi.start();
    start();

    HttpResponse<String> none = chat(CHAT, config(shadowTarget("gpt-4o"), 0));
    HttpResponse<String> ownGuardrails =
        chat(
            CHAT,
            config(
                "{\"provider\":\"openai\",\"api_key\":\"sk-shadow\",\"input_guardrails\":[]}", 1));
    HttpResponse<String> badShare = chat(CHAT, config(shadowTarget("gpt-4o"), 1.5));

    assertThat(none.statusCode()).isEqualTo(200);
    assertThat(ownGuardrails.statusCode()).isEqualTo(400);
    assertThat(WireJson.tree(ownGuardrails.body()).at("/error/message").asText())
        .contains("config.shadow.target.input_guardrails")
        .contains("primary's guardrails");
    assertThat(badShare.statusCode()).isEqualTo(400);
    assertThat(WireJson.tree(badShare.body()).at("/error/message").asText())
        .contains("config.shadow.share");
    Thread.sleep(200);
    assertThat(shadow.requestCount()).isZero();
    assertThat(primary.requestCount()).isEqualTo(1);
  }

  @Test
  void aFailingShadowNeverReachesTheClient() throws Exception {
    shadow = FakeOpenAi.builder().everyRequest(Fault.status(500)).start();
    start();

    HttpResponse<String> answer = chat(CHAT, config(shadowTarget("gpt-4o"), 1));
    HttpResponse<String> unreachable =
        chat(
            CHAT,
            config(
                "{\"provider\":\"openai\",\"api_key\":\"sk-shadow\","
                    + "\"custom_host\":\"http://127.0.0.1:9/v1\"}",
                1));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(unreachable.statusCode()).as(unreachable.body()).isEqualTo(200);
    JsonNode state = awaitShadowsEnded(2);
    assertThat(state.path("failed").asLong()).isEqualTo(2);
    assertThat(logs("shadow_of=" + requestId(answer)).get(0).path("status").asInt()).isEqualTo(500);
    assertThat(logs("shadow_of=" + requestId(unreachable)).get(0).path("status").asInt())
        .isEqualTo(502);
  }

  @Test
  void aShadowIsNeverChargedToTheCallersBudget() throws Exception {
    shadow = FakeOpenAi.start();
    start();
    AccessGateway.CreatedKey key =
        gateway.createKey(
            "default",
            "budgeted",
            null,
            "{\"budget\":{\"cost_usd\":\"5.00\",\"period\":\"month\"}}");

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> answer =
          chat(CHAT, config(shadowTarget("gpt-4o"), 1), "x-portkey-api-key", key.secret());
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }
    awaitShadowsEnded(5);

    BigDecimal primaries = analytics("group_by=none").at("/totals/0/cost_usd").decimalValue();
    BigDecimal shadows =
        analytics("shadows=only&group_by=none").at("/totals/0/cost_usd").decimalValue();
    JsonNode usage = gateway.awaitSettled(key.id()).path("usage");
    assertThat(shadows).isPositive();
    assertThat(new BigDecimal(usage.path("spent_usd").asText())).isEqualByComparingTo(primaries);
    assertThat(shadow.requestCount()).isEqualTo(5);
  }

  @Test
  void theKillSwitchStopsEveryShadowAtOnceAndStartLetsThemRunAgain() throws Exception {
    shadow = FakeOpenAi.start();
    shadow.enqueue(new Fault.SlowFirstByte(Duration.ofSeconds(20)));
    start();

    HttpResponse<String> first = chat(CHAT, config(shadowTarget("gpt-4o"), 1));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(shadow.takeRequest(Duration.ofSeconds(10))).isNotNull(); // in flight, waiting
    long stoppedAt = System.nanoTime();
    HttpResponse<String> stopped = gateway.admin("POST", "/v1/shadows/stop", null);
    assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
    assertThat(WireJson.tree(stopped.body()).path("enabled").asBoolean()).isFalse();
    awaitShadowsEnded(1);
    assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).isLessThan(Duration.ofSeconds(15));
    assertThat(logs("shadow_of=" + requestId(first)).get(0).path("status").asInt()).isEqualTo(499);

    for (int i = 0; i < 3; i++) {
      assertThat(chat(CHAT, config(shadowTarget("gpt-4o"), 1)).statusCode()).isEqualTo(200);
    }
    JsonNode state = WireJson.tree(gateway.admin("GET", "/v1/shadows", null).body());
    assertThat(state.path("skipped_stopped").asLong()).isEqualTo(3);
    assertThat(shadow.requestCount()).isEqualTo(1);

    assertThat(gateway.admin("POST", "/v1/shadows/start", null).statusCode()).isEqualTo(200);
    assertThat(chat(CHAT, config(shadowTarget("gpt-4o"), 1)).statusCode()).isEqualTo(200);
    awaitShadowsEnded(2);
    assertThat(shadow.requestCount()).isEqualTo(2);
  }

  @Test
  void theSettingTurnsShadowsOff() throws Exception {
    shadow = FakeOpenAi.start();
    start(false, s -> s.withEnabled(false));

    assertThat(chat(CHAT, config(shadowTarget("gpt-4o"), 1)).statusCode()).isEqualTo(200);

    JsonNode state = WireJson.tree(gateway.admin("GET", "/v1/shadows", null).body());
    assertThat(state.path("enabled").asBoolean()).isFalse();
    assertThat(state.path("skipped_stopped").asLong()).isEqualTo(1);
    assertThat(shadow.requestCount()).isZero();
  }

  @Test
  void shadowsStopAtTheirDailySpendCap() throws Exception {
    shadow = FakeOpenAi.start();
    start(false, s -> s.withDailySpendCapUsd(new BigDecimal("0.0000001")));

    assertThat(chat(CHAT, config(shadowTarget("gpt-4o"), 1)).statusCode()).isEqualTo(200);
    awaitShadowsEnded(1); // its cost passes the cap
    for (int i = 0; i < 3; i++) {
      assertThat(chat(CHAT, config(shadowTarget("gpt-4o"), 1)).statusCode()).isEqualTo(200);
    }

    JsonNode state = WireJson.tree(gateway.admin("GET", "/v1/shadows", null).body());
    assertThat(state.path("skipped_spend_cap").asLong()).isEqualTo(3);
    assertThat(new BigDecimal(state.path("spent_today_usd").asText()))
        .isGreaterThan(new BigDecimal("0.0000001"));
    assertThat(shadow.requestCount()).isEqualTo(1);
  }

  @Test
  void aShadowTargetTheCallersKeyMayNotUseIsRefusedAndLoggedNeverSent() throws Exception {
    shadow = FakeOpenAi.start();
    start(true, s -> s); // keys required: no custom host unless the workspace allows it
    AccessGateway.CreatedKey narrow =
        gateway.createKey(
            "default",
            "narrow",
            "{\"permissions\":[\"completions\"],\"models\":[\"gpt-4o-mini\"]}",
            null);
    AccessGateway.CreatedKey wide = gateway.createKey("default", "wide", null, null);
    // The same provider and host as the primary, another model: the narrow key may not ask for it.
    String otherModel =
        "{\"provider\":\"openai\",\"api_key\":\"sk-primary\",\"override_params\":{\"model\":\"gpt-4o\"}}";

    HttpResponse<String> toOtherHost =
        chat(CHAT, config(shadowTarget("gpt-4o-mini"), 1), "x-portkey-api-key", wide.secret());
    HttpResponse<String> toOtherModel =
        chat(CHAT, config(otherModel, 1), "x-portkey-api-key", narrow.secret());

    assertThat(toOtherHost.statusCode()).as(toOtherHost.body()).isEqualTo(200);
    assertThat(toOtherModel.statusCode()).as(toOtherModel.body()).isEqualTo(200);
    awaitShadowsEnded(2);
    assertThat(shadow.requestCount()).isZero();
    assertThat(primary.requestCount()).isEqualTo(2); // the primaries only
    assertThat(logs("shadow_of=" + requestId(toOtherHost)).get(0).path("status").asInt())
        .isEqualTo(403);
    assertThat(logs("shadow_of=" + requestId(toOtherModel)).get(0).path("status").asInt())
        .isEqualTo(403);
  }

  @Test
  void aPromptThePrimarysGuardrailDeniesIsNeverSentToTheShadow() throws Exception {
    shadow = FakeOpenAi.start();
    start();
    String guarded =
        """
        {"input_guardrails":[{"default.contains":{"operator":"none","words":["secret"]},"deny":true}],
         "strategy":{"mode":"single"},
         "shadow":{"target":%s},
         "targets":[{"provider":"openai","api_key":"sk-primary"}]}\
        """
            .formatted(shadowTarget("gpt-4o"))
            .replace("\n", "");
    String secret =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"the secret\"}]}";

    HttpResponse<String> denied = chat(secret, guarded);
    HttpResponse<String> allowed = chat(CHAT, guarded);

    assertThat(denied.statusCode()).isEqualTo(446);
    assertThat(allowed.statusCode()).isEqualTo(200);
    awaitShadowsEnded(2);
    assertThat(logs("shadow_of=" + requestId(denied)).get(0).path("status").asInt()).isEqualTo(446);
    assertThat(shadow.requestCount()).isEqualTo(1); // the allowed prompt's shadow only
    assertThat(WireJson.tree(shadow.requests().get(0).body()).toString()).doesNotContain("secret");
  }

  /**
   * Issue 21's figure: 1,000 requests mirrored (100%) to a shadow that takes 2 s, beside 1,000
   * without a mirror in the same run: 1,000 linked pairs in the log, and the caller's budget
   * charged exactly the primaries. The clients' latency is printed, not asserted (run with {@code
   * -Dshadow.figures=true} for the p50s and p99s: without a mirror, mirrored, without again).
   */
  @Test
  void aThousandRequestsMirroredToASlowShadowGiveAThousandLinkedPairsAndNoShadowCharge()
      throws Exception {
    shadow =
        FakeOpenAi.builder()
            .recordRequests(false)
            .everyRequest(new Fault.SlowFirstByte(Duration.ofSeconds(2)))
            .start();
    start();
    AccessGateway.CreatedKey key =
        gateway.createKey(
            "default", "figure", null, "{\"budget\":{\"cost_usd\":\"100\",\"period\":\"month\"}}");
    String mirrored = config(shadowTarget("gpt-4o"), 1);
    String plain = "{\"provider\":\"openai\",\"api_key\":\"sk-primary\"}";

    run(plain, key, 300); // warm-up: the JIT, the connections, the log's writer
    List<Double> withoutMirror = run(plain, key, 1000);
    List<Double> withMirror = run(mirrored, key, 1000);
    List<Double> withoutAfter = run(plain, key, 1000); // while the last shadows are in flight
    JsonNode state = awaitShadowsEnded(1000);

    assertThat(state.path("started").asLong()).isEqualTo(1000);
    assertThat(state.path("failed").asLong()).isZero();
    JsonNode pairs = analytics("group_by=none").at("/shadows/0");
    assertThat(pairs.path("pairs").asLong()).isEqualTo(1000);
    assertThat(pairs.path("shadow_errors").asLong()).isZero();
    assertThat(logs("shadows=only&limit=1").get(0).path("shadow_of").asText()).isNotEmpty();
    BigDecimal primaries = analytics("group_by=none").at("/totals/0/cost_usd").decimalValue();
    JsonNode usage = gateway.awaitSettled(key.id()).path("usage");
    assertThat(new BigDecimal(usage.path("spent_usd").asText())).isEqualByComparingTo(primaries);
    assertThat(pairs.path("shadow_cost_usd").decimalValue()).isPositive();
    if (Boolean.getBoolean("shadow.figures")) {
      System.out.printf(
          "client latency over 1,000 requests each, 16 at once: without a mirror p50 %.1f ms p99"
              + " %.1f ms; mirrored to a 2 s shadow p50 %.1f ms p99 %.1f ms; without a mirror"
              + " again p50 %.1f ms p99 %.1f ms%n",
          percentile(withoutMirror, 0.5),
          percentile(withoutMirror, 0.99),
          percentile(withMirror, 0.5),
          percentile(withMirror, 0.99),
          percentile(withoutAfter, 0.5),
          percentile(withoutAfter, 0.99));
    }
  }

  /** Sends {@code count} chat requests from 16 clients at once; their latencies in ms. */
  List<Double> run(String config, AccessGateway.CreatedKey key, int count) throws Exception {
    List<Future<Double>> calls = new ArrayList<>();
    try (ExecutorService clients = Executors.newFixedThreadPool(16)) {
      for (int i = 0; i < count; i++) {
        calls.add(
            clients.submit(() -> {
              long start = System.nanoTime();
              HttpResponse<String> answer = chat(CHAT, config, "x-portkey-api-key", key.secret());
              double ms = (System.nanoTime() - start) / 1e6;
              assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
              return ms;
            }));
      }
    }
    List<Double> latencies = new ArrayList<>();
    for (Future<Double> call : calls) {
      latencies.add(call.get());
    }
    return latencies;
  }

  static double percentile(List<Double> values, double p) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }
}
