package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets and token limits are charged on passed-through routes as on chat: each request reserves
 * its pessimistic estimate (its body's bytes as prompt tokens, its {@code max_output_tokens} as
 * completion tokens) and is charged what the answer's {@code usage} says once the client read it,
 * JSON or streamed; an answer without usage stays charged its estimate, never nothing. The fake
 * counts a word as a token: {@code "a "} is one token in two bytes.
 */
class PassThroughBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-passthrough-" + UUID.randomUUID();
  static final String PRICED_MODEL = "priced-responses";

  @TempDir Path data;
  FakeOpenAi openai;
  AccessGateway gateway;
  String workspace;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    String table =
        "{\"providers\":{\"openai\":{\"models\":{\""
            + PRICED_MODEL
            + "\":{\"input\":1000,\"output\":2000}}}}}";
    PriceTable prices =
        PriceTable.shipped()
            .overriddenBy(
                PriceTable.parse(new ByteArrayInputStream(table.getBytes(StandardCharsets.UTF_8))));
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withPrices(prices)
                .withObservability(
                    ObservabilitySettings.defaults().withDataDirectory(data.resolve("logs")))
                .withProviderBaseUrls(Map.of("openai", openai.baseUrl())));
    workspace = "ws-pass-" + UUID.randomUUID().toString().substring(0, 8);
    gateway.createWorkspace(workspace, null);
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  /**
   * The scenario: a key with a 2,000-token budget and eight {@code POST /v1/responses} of
   * about 1,000 tokens each (900 input words, a cap of 100 output tokens: an estimate of 1,960).
   */
  @Test
  void eightResponsesOfAThousandTokensSpendATwoThousandTokenBudgetAndNoMore() {
    String body = responsesBody("gpt-4.1", 900, 100, false);
    Run run = send(tokenBudget(), body, 8, false);

    run.print("JSON");
    assertThat(run.statuses()).isEqualTo(Map.of(200, 1, 412, 7));
    assertThat(run.spentTokens()).isEqualTo(1000).isEqualTo(run.loggedTokens());
    assertThat(run.reservedTokens()).isZero();
  }

  @Test
  void streamedResponsesAreChargedTheUsageOfTheirResponseCompletedEvent() {
    String body = responsesBody("gpt-4.1", 600, 700, true);
    Run run = send(tokenBudget(), body, 8, true);

    run.print("streamed");
    assertThat(run.statuses()).isEqualTo(Map.of(200, 1, 412, 7));
    assertThat(run.answers().getFirst().body())
        .startsWith("event: response.created")
        .contains("event: response.completed");
    // 600 input words; the answer repeats them after 7 words of its own.
    assertThat(run.spentTokens()).isEqualTo(600 + 607).isEqualTo(run.loggedTokens());
  }

  /**
   * A $1.00 budget, calls that cost $0.20 each (100 input tokens at $1,000 a million, 50 output
   * tokens at $2,000) and are estimated at $0.36: four pass, the fifth would overshoot.
   */
  @Test
  void passedThroughCallsSpendADollarBudgetAtTheirPricedUsage() {
    String body = responsesBody(PRICED_MODEL, 100, 50, false);
    Run run = send("{\"budget\":{\"cost_usd\":\"1.00\",\"period\":\"month\"}}", body, 8, false);

    run.print("dollar budget");
    assertThat(run.statuses()).isEqualTo(Map.of(200, 4, 412, 4));
    assertThat(run.spentUsd())
        .isEqualByComparingTo("0.80")
        .isEqualByComparingTo(run.loggedCostUsd());
  }

  /** {@code POST /v1/moderations} answers without usage: its estimate stays charged. */
  @Test
  void aPassedThroughAnswerWithoutUsageIsChargedItsEstimateNotNothing() {
    String body = "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}";
    Run run =
        send(
            "{\"budget\":{\"tokens\":100000,\"period\":\"month\"}}",
            "/v1/moderations",
            body,
            1,
            false);

    assertThat(run.statuses()).isEqualTo(Map.of(200, 1));
    assertThat(run.loggedTokens()).isZero();
    assertThat(run.spentTokens()).isEqualTo(body.getBytes(StandardCharsets.UTF_8).length + 4096);
  }

  /**
   * The provider's 400 (Responses API: {@code max_output_tokens} below 16) is relayed, not billed.
   */
  @Test
  void aPassedThroughErrorIsChargedNothing() {
    Run run =
        send(
            "{\"budget\":{\"cost_usd\":\"1.00\",\"tokens\":100000,\"period\":\"month\"}}",
            responsesBody("gpt-4.1", 10, 5, false),
            1,
            false);

    assertThat(run.statuses()).isEqualTo(Map.of(400, 1));
    assertThat(run.spentTokens()).isZero();
    assertThat(run.spentUsd()).isZero();
    assertThat(run.reservedTokens()).isZero();
  }

  private static String tokenBudget() {
    return "{\"budget\":{\"tokens\":2000,\"period\":\"month\"}}";
  }

  /** A Responses API request of {@code words} one-token words, capped at {@code maxOutput}. */
  private static String responsesBody(String model, int words, int maxOutput, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"input\":\""
        + "a ".repeat(words).strip()
        + "\",\"max_output_tokens\":"
        + maxOutput
        + (stream ? ",\"stream\":true" : "")
        + "}";
  }

  private Run send(String limits, String body, int count, boolean stream) {
    return send(limits, "/v1/responses", body, count, stream);
  }

  /** Sends {@code count} requests one after the other with a fresh key held to {@code limits}. */
  private Run send(String limits, String path, String body, int count, boolean stream) {
    AccessGateway.CreatedKey key =
        gateway.createKey(
            workspace,
            "k-" + UUID.randomUUID(),
            "{\"permissions\":[\"passthrough\",\"completions\"]}",
            limits);
    String trace = "trace-" + UUID.randomUUID();
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      answers.add(
          gateway.send(
              "POST",
              path,
              body,
              "x-portkey-api-key",
              key.secret(),
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer sk-fake",
              "x-portkey-trace-id",
              trace,
              "accept",
              stream ? "text/event-stream" : "application/json"));
    }
    HttpResponse<String> usage =
        gateway.admin("GET", "/v1/admin/usage?subject=key:" + key.id(), null);
    assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
    return new Run(answers, WireJson.tree(usage.body()), awaitLog(trace, count));
  }

  /** The request log's records of {@code trace}, once all {@code count} are written. */
  private List<JsonNode> awaitLog(String trace, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> page =
          gateway.admin("GET", "/v1/logs?limit=100&trace_id=" + trace, null);
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      List<JsonNode> records = new ArrayList<>();
      WireJson.tree(page.body()).path("data").forEach(records::add);
      if (records.size() >= count || System.nanoTime() > deadline) {
        assertThat(records).hasSize(count);
        return records;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** What a run of requests got, what the admin API says was spent, and what the log says. */
  record Run(List<HttpResponse<String>> answers, JsonNode usage, List<JsonNode> log) {
    Map<Integer, Integer> statuses() {
      Map<Integer, Integer> statuses = new TreeMap<>();
      answers.forEach(a -> statuses.merge(a.statusCode(), 1, Integer::sum));
      return statuses;
    }

    long spentTokens() {
      return usage.findValue("spent_tokens").asLong();
    }

    long reservedTokens() {
      return usage.findValue("reserved_tokens").asLong();
    }

    BigDecimal spentUsd() {
      return new BigDecimal(usage.findValue("spent_usd").asText());
    }

    long loggedTokens() {
      return log.stream()
          .mapToLong(r -> r.path("prompt_tokens").asLong(0) + r.path("completion_tokens").asLong(0))
          .sum();
    }

    BigDecimal loggedCostUsd() {
      return log.stream()
          .filter(r -> r.path("cost_usd").isTextual() || r.path("cost_usd").isNumber())
          .map(r -> new BigDecimal(r.path("cost_usd").asText()))
          .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    void print(String what) {
      List<String> charged = new ArrayList<>();
      for (JsonNode record : log) {
        if (record.path("status").asInt() == 200) {
          charged.add(
              record.path("prompt_tokens").asText()
                  + "+"
                  + record.path("completion_tokens").asText()
                  + " tokens, $"
                  + record.path("cost_usd").asText());
        }
      }
      new ReportTable("Pass-through budget, " + what, "figure", "value")
          .row("statuses", statuses().toString())
          .row("charged per admitted call (log)", String.join("; ", charged))
          .row("admin usage spent_tokens", spentTokens())
          .row("admin usage spent_usd", usage.findValue("spent_usd").asText())
          .print();
    }
  }
}
