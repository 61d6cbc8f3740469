package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A local model (Ollama, played by the fake OpenAI server, which answers each call after a second
 * so that a burst of calls is in flight at once) against small dollar budgets: a model without a
 * price reserves its tokens at the unpriced rates ($5 and $25 a million, the defaults) and is
 * charged its usage at them; a model the operator marked free is never held to a dollar budget, but
 * is to a token budget; a model the operator priced is reserved and charged at that price, also
 * when a config routes it. The fake counts a word as a token.
 */
class UnpricedModelBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-unpriced-" + UUID.randomUUID();
  static final String UNPRICED_MODEL = "llama3.2";
  static final String FREE_MODEL = "gemma3";
  static final String OPERATOR_PRICED_MODEL = "qwen3";
  static final BigDecimal OPERATOR_INPUT_PRICE = new BigDecimal("10");
  static final BigDecimal OPERATOR_OUTPUT_PRICE = new BigDecimal("20");

  /** The defaults of {@code access.unpriced-input-usd-per-million} and {@code -output-}. */
  static final BigDecimal UNPRICED_INPUT_PRICE = new BigDecimal("5");

  static final BigDecimal UNPRICED_OUTPUT_PRICE = new BigDecimal("25");
  static final String HALF_DOLLAR = "{\"budget\":{\"cost_usd\":\"0.50\",\"period\":\"month\"}}";

  FakeOpenAi ollama;
  AccessGateway gateway;
  String workspace;

  @BeforeEach
  void start() {
    ollama =
        FakeOpenAi.builder().everyRequest(new Fault.SlowFirstByte(Duration.ofSeconds(1))).start();
    PriceTable prices =
        PriceTable.shipped()
            .overriddenBy(
                PriceTable.parse(
                    WireJson.tree(
                        """
                        {"providers": {"ollama": {"models": {
                          "%s": {"free": true},
                          "%s": {"input": %s, "output": %s}
                        }}}}
                        """
                            .formatted(
                                FREE_MODEL,
                                OPERATOR_PRICED_MODEL,
                                OPERATOR_INPUT_PRICE,
                                OPERATOR_OUTPUT_PRICE))));
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withPrices(prices)
                .withProviderBaseUrls(Map.of("ollama", ollama.origin())));
    workspace = "ws-unpriced-" + UUID.randomUUID().toString().substring(0, 8);
    gateway.createWorkspace(workspace, null);
  }

  @AfterEach
  void stop() {
    gateway.close();
    ollama.close();
  }

  /**
   * The scenario: a $0.50 budget and twenty calls of a model without a price, 16 completion
   * tokens each, in flight together. Each reserves about $0.001 (its body's bytes at $5 a million,
   * 16 tokens at $25), where a flat $0.10 each let five through.
   */
  @Test
  void twentyInFlightCallsOfAnUnpricedModelFitAHalfDollarBudgetAndSpendTheirUsage()
      throws Exception {
    AccessGateway.CreatedKey key = key(HALF_DOLLAR);

    List<HttpResponse<String>> answers =
        Burst.of(20, i -> chat(key, UNPRICED_MODEL, "x-portkey-provider", "ollama"));

    assertThat(statuses(answers)).isEqualTo(Map.of(200, 20));
    // Its real price is unknown, so no cost is told; the budget is charged the unpriced rates.
    assertThat(answers.getFirst().headers().firstValue("x-switchboard-cost-usd")).isEmpty();
    assertThat(spentUsd(key))
        .isEqualByComparingTo(usageCost(answers, UNPRICED_INPUT_PRICE, UNPRICED_OUTPUT_PRICE))
        .isPositive();
    assertThat(reservedUsd(key)).isZero();
  }

  /**
   * A key whose spend is already past its budget (the admin lowered it): a priced call is refused,
   * a call of the model marked free is served and charged nothing.
   */
  @Test
  void aModelMarkedFreeIsNeverRefusedByADollarBudget() throws Exception {
    AccessGateway.CreatedKey key = key(HALF_DOLLAR);
    HttpResponse<String> priced = chat(key, OPERATOR_PRICED_MODEL, "x-portkey-provider", "ollama");
    assertThat(priced.statusCode()).as(priced.body()).isEqualTo(200);
    BigDecimal spent = spentUsd(key);
    assertThat(spent).isPositive();
    AccessGateway.expect2xx(
        gateway.admin(
            "PATCH",
            "/v1/admin/keys/" + key.id(),
            "{\"limits\":{\"budget\":{\"cost_usd\":\"0.000001\",\"period\":\"month\"}}}"),
        "lower the budget");

    HttpResponse<String> refused = chat(key, OPERATOR_PRICED_MODEL, "x-portkey-provider", "ollama");
    List<HttpResponse<String>> free =
        Burst.of(5, i -> chat(key, FREE_MODEL, "x-portkey-provider", "ollama"));

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
    assertThat(statuses(free)).isEqualTo(Map.of(200, 5));
    assertThat(free.getFirst().headers().firstValue("x-switchboard-cost-usd")).hasValue("0");
    assertThat(spentUsd(key)).isEqualByComparingTo(spent);
    assertThat(reservedUsd(key)).isZero();
  }

  /** A call reserves its body's bytes and its 16 completion tokens: 50 tokens do not hold one. */
  @Test
  void aModelMarkedFreeIsStillHeldToATokenBudget() {
    AccessGateway.CreatedKey key =
        key("{\"budget\":{\"cost_usd\":\"0.50\",\"tokens\":50,\"period\":\"month\"}}");

    HttpResponse<String> answer = chat(key, FREE_MODEL, "x-portkey-provider", "ollama");

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(412);
    assertThat(WireJson.tree(answer.body()).path("error").path("code").asText())
        .isEqualTo("budget_exceeded");
    assertThat(ollama.requestCount()).isZero();
  }

  /**
   * A config names the provider, so admission does not know it: the estimate looks the model up
   * under every provider of the table in force, the operator's {@code ollama} too, rather than
   * taking it for unpriced. Twenty calls in flight fit $0.50 and are charged at the operator's
   * price, as their {@code x-switchboard-cost-usd} says.
   */
  @Test
  void anOperatorPricedModelIsReservedAndChargedAtThatPriceThroughAConfig() throws Exception {
    AccessGateway.CreatedKey key = key(HALF_DOLLAR);

    List<HttpResponse<String>> answers =
        Burst.of(
            20,
            i -> chat(key, OPERATOR_PRICED_MODEL, "x-portkey-config", "{\"provider\":\"ollama\"}"));

    assertThat(statuses(answers)).isEqualTo(Map.of(200, 20));
    BigDecimal told =
        answers.stream()
            .map(
                a -> new BigDecimal(a.headers().firstValue("x-switchboard-cost-usd").orElseThrow()))
            .reduce(BigDecimal.ZERO, BigDecimal::add);
    assertThat(told)
        .isEqualByComparingTo(usageCost(answers, OPERATOR_INPUT_PRICE, OPERATOR_OUTPUT_PRICE));
    assertThat(spentUsd(key)).isEqualByComparingTo(told);
    assertThat(reservedUsd(key)).isZero();
  }

  private AccessGateway.CreatedKey key(String limits) {
    return gateway.createKey(
        workspace, "k-" + UUID.randomUUID(), "{\"permissions\":[\"completions\"]}", limits);
  }

  private HttpResponse<String> chat(
      AccessGateway.CreatedKey key, String model, String routeHeader, String routeValue) {
    String body =
        """
        {"model": "%s", "max_tokens": 16,
         "messages": [{"role": "user", "content": "Summarize the meeting notes in one line please"}]}
        """
            .formatted(model);
    return gateway.send(
        "POST",
        "/v1/chat/completions",
        body,
        "x-portkey-api-key",
        key.secret(),
        routeHeader,
        routeValue);
  }

  private static Map<Integer, Integer> statuses(List<HttpResponse<String>> answers) {
    Map<Integer, Integer> statuses = new TreeMap<>();
    answers.forEach(a -> statuses.merge(a.statusCode(), 1, Integer::sum));
    return statuses;
  }

  /** What the answers' usage costs at these prices per million tokens. */
  private static BigDecimal usageCost(
      List<HttpResponse<String>> answers, BigDecimal input, BigDecimal output) {
    BigDecimal total = BigDecimal.ZERO;
    for (HttpResponse<String> answer : answers) {
      JsonNode usage = WireJson.tree(answer.body()).path("usage");
      total =
          total
              .add(input.multiply(BigDecimal.valueOf(usage.path("prompt_tokens").asLong())))
              .add(output.multiply(BigDecimal.valueOf(usage.path("completion_tokens").asLong())));
    }
    return total.movePointLeft(6);
  }

  private BigDecimal spentUsd(AccessGateway.CreatedKey key) {
    return usage(key, "spent_usd");
  }

  private BigDecimal reservedUsd(AccessGateway.CreatedKey key) {
    return usage(key, "reserved_usd");
  }

  private BigDecimal usage(AccessGateway.CreatedKey key, String field) {
    HttpResponse<String> usage =
        gateway.admin("GET", "/v1/admin/usage?subject=key:" + key.id(), null);
    assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
    return BudgetRaceHttpTest.decimal(WireJson.tree(usage.body()), field);
  }
}
