package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.pricing.ModelPrice;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anthropic's Messages API ({@code /v1/messages}) is charged what the provider reports, as chat is:
 * a stream that runs to its end is priced from its {@code message_start} usage (input and cache
 * tokens) and its last {@code message_delta} usage (output tokens, cumulative), a whole answer from
 * its {@code usage}; the key's budget is settled at that cost and those tokens, and the request log
 * shows them. Before the fix a finished stream had no cost and no tokens in its record, and the
 * budget kept its pessimistic estimate (its body's bytes and all of {@code max_tokens}).
 */
class MessagesBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-messages-" + UUID.randomUUID();
  static final String MODEL = "claude-sonnet-4-20250514";
  static final int INPUT_TOKENS = 1200;
  static final int OUTPUT_TOKENS = 340;
  static final int CACHE_READ_TOKENS = 5000;
  static final int CACHE_WRITE_TOKENS = 800;

  /** A cross-region inference profile, priced as the Bedrock model it names. */
  static final String BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

  @TempDir Path data;
  FakeAnthropic anthropic;
  FakeBedrock bedrock;
  AccessGateway gateway;

  @BeforeEach
  void start() {
    anthropic = FakeAnthropic.start();
    bedrock = FakeBedrock.start();
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withObservability(
                    ObservabilitySettings.defaults().withDataDirectory(data.resolve("logs")))
                .withProviderBaseUrls(
                    Map.of("anthropic", anthropic.baseUrl(), "bedrock", bedrock.endpoint())));
  }

  @AfterEach
  void stop() {
    gateway.close();
    bedrock.close();
    anthropic.close();
  }

  @Test
  void aMessagesStreamThatRunsToItsEndIsChargedTheUsageItReported() throws Exception {
    AccessGateway.CreatedKey key = keyWithABudget("ws-messages-stream");
    anthropic.enqueue(reply());

    HttpResponse<String> answer = messages(key, true, "t-messages-stream");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("event: message_stop");
    assertChargedTheReportedUsage("t-messages-stream", key.id());
  }

  @Test
  void aWholeMessagesAnswerIsChargedTheUsageItReported() throws Exception {
    AccessGateway.CreatedKey key = keyWithABudget("ws-messages-whole");
    anthropic.enqueue(reply());

    HttpResponse<String> answer = messages(key, false, "t-messages-whole");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(new BigDecimal(answer.headers().firstValue("x-switchboard-cost-usd").orElseThrow()))
        .isEqualByComparingTo(reportedCost());
    assertChargedTheReportedUsage("t-messages-whole", key.id());
  }

  /**
   * Bedrock serves Anthropic's events in its own framing; the gateway passes them on as Anthropic's
   * stream, and charges the usage they carry (as the client read it) at Bedrock's price.
   */
  @Test
  void aMessagesStreamFromBedrockIsChargedTheUsageItReported() throws Exception {
    AccessGateway.CreatedKey key = keyWithABudget("ws-messages-bedrock");

    HttpResponse<String> answer =
        gateway.send(
            "POST",
            "/v1/messages",
            """
            {"model": "%s", "max_tokens": 4000, "stream": true,
             "messages": [{"role": "user", "content": "Tell me a story about a gateway"}]}
            """
                .formatted(BEDROCK_MODEL),
            "x-portkey-provider",
            "bedrock",
            "x-portkey-aws-access-key-id",
            FakeBedrock.DEFAULT_ACCESS_KEY_ID,
            "x-portkey-aws-secret-access-key",
            FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
            "x-portkey-aws-region",
            FakeBedrock.DEFAULT_REGION,
            "anthropic-version",
            "2023-06-01",
            "x-portkey-api-key",
            key.secret(),
            "x-portkey-trace-id",
            "t-messages-bedrock");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode reported = streamedUsage(answer.body());
    int input = reported.path("input_tokens").asInt();
    int output = reported.path("output_tokens").asInt();
    assertThat(output).as(answer.body()).isPositive();
    ModelPrice price = PriceTable.shipped().price("bedrock", BEDROCK_MODEL).orElseThrow();
    BigDecimal cost =
        price
            .input()
            .multiply(BigDecimal.valueOf(input))
            .add(price.output().multiply(BigDecimal.valueOf(output)))
            .movePointLeft(6);

    JsonNode record = gateway.awaitRecord("t-messages-bedrock");
    assertThat(record.path("prompt_tokens").asInt()).as(record.toString()).isEqualTo(input);
    assertThat(record.path("completion_tokens").asInt()).isEqualTo(output);
    assertThat(new BigDecimal(record.path("cost_usd").asText())).isEqualByComparingTo(cost);
    JsonNode usage = gateway.awaitSettled(key.id());
    assertThat(BudgetRaceHttpTest.decimal(usage, "spent_usd")).isEqualByComparingTo(cost);
    assertThat(usage.findValue("spent_tokens").asLong()).isEqualTo(input + output);
  }

  /**
   * The usage an Anthropic stream reported, as its client reads it: {@code message_start}'s, with
   * each {@code message_delta}'s counts over it.
   */
  private static JsonNode streamedUsage(String events) {
    ObjectNode usage = WireJson.mapper().createObjectNode();
    for (String line : events.split("\n")) {
      if (!line.startsWith("data: ")) {
        continue;
      }
      JsonNode event = WireJson.tree(line.substring("data: ".length()));
      switch (event.path("type").asText()) {
        case "message_start" -> usage.setAll((ObjectNode) event.path("message").path("usage"));
        case "message_delta" -> usage.setAll((ObjectNode) event.path("usage"));
        default -> {}
      }
    }
    return usage;
  }

  /** Anthropic does not bill a token count: the key is charged nothing. */
  @Test
  void aTokenCountIsChargedNothing() throws Exception {
    AccessGateway.CreatedKey key = keyWithABudget("ws-messages-count");

    HttpResponse<String> answer =
        gateway.send(
            "POST",
            "/v1/messages/count_tokens",
            "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            headers(key, "t-messages-count"));

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(WireJson.tree(answer.body()).path("input_tokens").asInt()).isPositive();
    JsonNode usage = gateway.awaitSettled(key.id());
    assertThat(BudgetRaceHttpTest.decimal(usage, "spent_usd")).isZero();
    assertThat(usage.findValue("spent_tokens").asLong()).isZero();
  }

  /**
   * The record shows the provider's counts ({@code input_tokens} without the cache's, as Anthropic
   * reports them; the cache reads apart) and their cost at the shipped price; the key's budget is
   * charged that cost and those tokens, nothing left reserved.
   */
  private void assertChargedTheReportedUsage(String trace, String keyId)
      throws InterruptedException {
    JsonNode record = gateway.awaitRecord(trace);
    assertThat(record.path("prompt_tokens").asInt()).as(record.toString()).isEqualTo(INPUT_TOKENS);
    assertThat(record.path("completion_tokens").asInt()).isEqualTo(OUTPUT_TOKENS);
    assertThat(record.path("cached_tokens").asInt()).isEqualTo(CACHE_READ_TOKENS);
    assertThat(new BigDecimal(record.path("cost_usd").asText()))
        .as(record.toString())
        .isEqualByComparingTo(reportedCost());

    JsonNode usage = gateway.awaitSettled(keyId);
    assertThat(BudgetRaceHttpTest.decimal(usage, "spent_usd")).isEqualByComparingTo(reportedCost());
    assertThat(usage.findValue("spent_tokens").asLong())
        .as("the tokens reported, not the estimate with all of max_tokens")
        .isEqualTo(INPUT_TOKENS + OUTPUT_TOKENS);
  }

  /** The fake's usage at the shipped price of the model. */
  private static BigDecimal reportedCost() {
    ModelPrice price = PriceTable.shipped().price("anthropic", MODEL).orElseThrow();
    return price
        .input()
        .multiply(BigDecimal.valueOf(INPUT_TOKENS))
        .add(price.cachedInput().multiply(BigDecimal.valueOf(CACHE_READ_TOKENS)))
        .add(price.cacheWrite().multiply(BigDecimal.valueOf(CACHE_WRITE_TOKENS)))
        .add(price.output().multiply(BigDecimal.valueOf(OUTPUT_TOKENS)))
        .movePointLeft(6);
  }

  private static AnthropicReply reply() {
    return AnthropicReply.builder()
        .text("Once upon a time there was a gateway that counted every token it passed on.")
        .usage(INPUT_TOKENS, OUTPUT_TOKENS)
        .cacheTokens(CACHE_READ_TOKENS, CACHE_WRITE_TOKENS)
        .build();
  }

  private HttpResponse<String> messages(
      AccessGateway.CreatedKey key, boolean stream, String trace) {
    String body =
        """
        {"model": "%s", "max_tokens": 4000, "stream": %s,
         "messages": [{"role": "user", "content": "Tell me a story about a gateway"}]}
        """
            .formatted(MODEL, stream);
    return gateway.send("POST", "/v1/messages", body, headers(key, trace));
  }

  private static String[] headers(AccessGateway.CreatedKey key, String trace) {
    return new String[] {
      "x-portkey-provider", "anthropic",
      "x-api-key", "sk-ant-fake",
      "anthropic-version", "2023-06-01",
      "x-portkey-api-key", key.secret(),
      "x-portkey-trace-id", trace
    };
  }

  private AccessGateway.CreatedKey keyWithABudget(String workspace) {
    gateway.createWorkspace(workspace, null);
    return gateway.createKey(
        workspace,
        "messages",
        null,
        "{\"budget\":{\"cost_usd\":\"100\",\"tokens\":1000000,\"period\":\"month\"}}");
  }
}
