package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.pricing.PricingStage;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each answer cost, through HTTP: {@code x-switchboard-cost-usd} from the answer's usage and
 * the price table, against the fakes of OpenAI, Anthropic and Bedrock.
 */
class PricingTest {
  static final String COST = "x-switchboard-cost-usd";
  static final String SAVED = "x-switchboard-saved-cost-usd";
  static final String MINI =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"what does this"
          + " cost\"}]}";

  FakeOpenAi openai;
  FakeAnthropic anthropic;
  FakeBedrock bedrock;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    bedrock = FakeBedrock.start();
    gateway = gateway(PriceTable.shipped());
  }

  GatewayUnderTest gateway(PriceTable prices) {
    return GatewayUnderTest.withEngine(
        GatewaySettings.builder()
            .providerBaseUrl("openai", URI.create(openai.baseUrl()))
            .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
            .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
            .prices(prices)
            .build(),
        engine -> {});
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
    anthropic.close();
    bedrock.close();
  }

  HttpResponse<String> openAi(String body, String... more) {
    String[] headers = {"x-portkey-provider", "openai", "authorization", "Bearer sk-test"};
    return gateway.postJson("/v1/chat/completions", body, concat(headers, more));
  }

  HttpResponse<String> bedrock(String path, String body) {
    return gateway.postJson(
        path,
        body,
        "x-portkey-provider",
        "bedrock",
        "x-portkey-aws-access-key-id",
        FakeBedrock.DEFAULT_ACCESS_KEY_ID,
        "x-portkey-aws-secret-access-key",
        FakeBedrock.DEFAULT_SECRET_ACCESS_KEY,
        "x-portkey-aws-region",
        FakeBedrock.DEFAULT_REGION);
  }

  static String[] concat(String[] first, String[] second) {
    String[] all = new String[first.length + second.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(second, 0, all, first.length, second.length);
    return all;
  }

  static BigDecimal cost(HttpResponse<String> response) {
    return response.headers().firstValue(COST).map(BigDecimal::new).orElse(null);
  }

  /** Tokens times dollars per million, exactly. */
  static BigDecimal priced(JsonNode usage, String inputPrice, String outputPrice) {
    return new BigDecimal(usage.path("prompt_tokens").asLong())
        .multiply(new BigDecimal(inputPrice))
        .add(
            new BigDecimal(usage.path("completion_tokens").asLong())
                .multiply(new BigDecimal(outputPrice)))
        .movePointLeft(6);
  }

  @Test
  void anOpenAiAnswerCarriesItsCostAtTheTablesPrices() {
    var response = openAi(MINI);

    JsonNode usage = json(response).path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isPositive();
    // gpt-4o-mini: 0.15 in, 0.60 out, per million tokens
    assertThat(cost(response)).isEqualByComparingTo(priced(usage, "0.15", "0.60"));
    assertThat(response.headers().firstValue(COST).orElseThrow()).doesNotContain("E");
    assertThat(response.headers().firstValue(SAVED)).isEmpty();
  }

  @Test
  void anAnthropicAnswerBillsCacheReadsAndWritesAtTheirOwnPrices() {
    anthropic.enqueue(
        AnthropicReply.builder().text("Priced.").usage(1000, 200).cacheTokens(4000, 100).build());

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"claude-sonnet-4-5-20250929\",\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-provider",
            "anthropic",
            "authorization",
            "Bearer sk-ant-test");

    assertThat(response.statusCode()).isEqualTo(200);
    // 1000 x 3.00 + 4000 cache reads x 0.30 + 100 cache writes x 3.75 + 200 x 15.00, per million
    assertThat(response.headers().firstValue(COST)).hasValue("0.007575");
  }

  @Test
  void anAnthropicMessagesAnswerIsPricedToo() {
    anthropic.enqueue(
        AnthropicReply.builder().text("Priced.").usage(1000, 200).cacheTokens(4000, 100).build());

    var response =
        gateway.postJson(
            "/v1/messages",
            "{\"model\":\"claude-sonnet-4-5-20250929\",\"max_tokens\":50,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            "x-portkey-provider",
            "anthropic",
            "x-api-key",
            "sk-ant-test");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue(COST)).hasValue("0.007575");
  }

  @Test
  void aBedrockClaudeAnswerThroughARegionalProfileBillsCachedTokensAtTheCachedPrice() {
    bedrock.enqueue(ConverseReply.text("Priced.").withUsage(1000, 200).withCache(4000, 100));

    var response =
        bedrock(
            "/v1/chat/completions",
            "{\"model\":\"us.anthropic.claude-3-5-sonnet-20241022-v2:0\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/usage/prompt_tokens").asInt()).isEqualTo(5100);
    assertThat(response.headers().firstValue(COST)).hasValue("0.007575");
  }

  @Test
  void bedrockEmbeddingsArePricedByTheirInputTokens() {
    var response =
        bedrock(
            "/v1/embeddings",
            "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":[\"one two\",\"three\"]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/usage/prompt_tokens").asInt()).isEqualTo(3);
    // 3 x 0.02 per million
    assertThat(response.headers().firstValue(COST)).hasValue("0.00000006");
  }

  @Test
  void aModelWithoutAPriceHasNoCostHeader() {
    var unknown = openAi(MINI.replace("gpt-4o-mini", "my-own-finetune"));
    var mock =
        gateway.postJson(
            "/v1/chat/completions",
            MINI,
            "x-portkey-provider",
            "mock",
            "authorization",
            "Bearer k");

    assertThat(unknown.statusCode()).isEqualTo(200);
    assertThat(unknown.headers().firstValue(COST)).isEmpty();
    assertThat(mock.statusCode()).isEqualTo(200);
    assertThat(mock.headers().firstValue(COST)).isEmpty();
  }

  @Test
  void aStreamCarriesItsCostInItsUsageEventNotInAHeaderWhenTheClientAsks() {
    var streamed =
        openAi(
            MINI.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"),
            PricingStage.STREAM_COST_HEADER,
            "true");

    assertThat(streamed.headers().firstValue(COST)).isEmpty();
    List<String> data = sseData(streamed.body());
    JsonNode usageEvent = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageEvent.path("cost_usd").decimalValue())
        .isEqualByComparingTo(priced(usageEvent.path("usage"), "0.15", "0.60"));
    assertThat(usageEvent.path("usage").has("cost_usd")).isFalse();
    assertThat(data.subList(0, data.size() - 2))
        .noneSatisfy(event -> assertThat(event).contains("cost_usd"));
  }

  @Test
  void aStreamsUsageEventIsLeftAsTheProviderSentItUnlessTheClientAsksForTheCost() {
    var streamed =
        openAi(
            MINI.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));

    assertThat(streamed.headers().firstValue(COST)).isEmpty();
    List<String> data = sseData(streamed.body());
    JsonNode usageEvent = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageEvent.path("usage").path("total_tokens").asInt()).isPositive();
    assertThat(data).noneSatisfy(event -> assertThat(event).contains("cost_usd"));
  }

  @Test
  void aCacheHitCostsNothingAndCountsWhatItSaved() {
    String[] cached = {"x-portkey-config", "{\"cache\":{\"mode\":\"simple\"}}"};
    var miss = openAi(MINI, cached);
    var hit = openAi(MINI, cached);
    var again = openAi(MINI, cached);

    BigDecimal full = priced(json(miss).path("usage"), "0.15", "0.60");
    assertThat(miss.headers().firstValue("x-portkey-cache-status")).hasValue("MISS");
    assertThat(cost(miss)).isEqualByComparingTo(full);
    assertThat(hit.headers().firstValue("x-portkey-cache-status")).hasValue("HIT");
    assertThat(hit.headers().firstValue(COST)).hasValue("0");
    assertThat(new BigDecimal(hit.headers().firstValue(SAVED).orElseThrow()))
        .isEqualByComparingTo(full);
    assertThat(again.headers().firstValue(SAVED)).isEqualTo(hit.headers().firstValue(SAVED));
    assertThat(openai.requestCount()).isEqualTo(1);

    JsonNode counters = json(gateway.get("/v1/health")).path("cache");
    assertThat(counters.path("hits").asLong()).isEqualTo(2);
    assertThat(new BigDecimal(counters.path("saved_cost_usd").asText()))
        .isEqualByComparingTo(full.multiply(BigDecimal.TWO));
  }

  @Test
  void aStreamServedFromTheCacheSavesItsCostAndSaysSoInHeaders() {
    String[] cached = {"x-portkey-config", "{\"cache\":{\"mode\":\"simple\"}}"};
    var miss = openAi(MINI, cached);
    var hit =
        openAi(
            MINI.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"),
            concat(cached, new String[] {PricingStage.STREAM_COST_HEADER, "true"}));

    assertThat(hit.headers().firstValue("x-portkey-cache-status")).hasValue("HIT");
    assertThat(hit.headers().firstValue(COST)).hasValue("0");
    assertThat(new BigDecimal(hit.headers().firstValue(SAVED).orElseThrow()))
        .isEqualByComparingTo(cost(miss));
    List<String> data = sseData(hit.body());
    assertThat(WireJson.tree(data.get(data.size() - 2)).path("cost_usd").asText()).isEqualTo("0");
  }

  @Test
  void overriddenPricesChangeTheCost() {
    gateway.close();
    gateway =
        gateway(
            PriceTable.shipped()
                .overriddenBy(
                    PriceTable.parse(
                        WireJson.tree(
                            "{\"providers\":{\"openai\":{\"models\":"
                                + "{\"gpt-4o-mini\":{\"input\":1,\"output\":2}}}}}"))));

    var response = openAi(MINI);

    assertThat(cost(response)).isEqualByComparingTo(priced(json(response).path("usage"), "1", "2"));
  }
}
