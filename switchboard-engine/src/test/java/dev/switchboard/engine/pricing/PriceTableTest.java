package dev.switchboard.engine.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped price table, model matching, and the cost of a usage. */
class PriceTableTest {

  static BigDecimal usd(String value) {
    return new BigDecimal(value);
  }

  static ModelPrice price(String provider, String model) {
    return PriceTable.shipped().price(provider, model).orElseThrow(() -> new AssertionError(model));
  }

  @Test
  void everyEntryOfTheShippedFileParsesWithNonNegativePricesAndASource() throws Exception {
    JsonNode file;
    try (InputStream in = PriceTable.class.getResourceAsStream("prices.json")) {
      file = new ObjectMapper().readTree(in);
    }
    int entries = 0;
    for (var provider : file.path("providers").properties()) {
      assertThat(provider.getValue().path("source").asText())
          .as("source of %s", provider.getKey())
          .isNotBlank();
      for (var model : provider.getValue().path("models").properties()) {
        entries++;
        ModelPrice price = price(provider.getKey(), model.getKey());
        assertThat(price.input().signum()).isGreaterThanOrEqualTo(0);
        for (BigDecimal other :
            new BigDecimal[] {price.output(), price.cachedInput(), price.cacheWrite()}) {
          if (other != null) {
            assertThat(other.signum()).isGreaterThanOrEqualTo(0);
          }
        }
        if (price.cachedInput() != null) {
          assertThat(price.cachedInput()).as(model.getKey()).isLessThanOrEqualTo(price.input());
        }
      }
    }
    assertThat(entries).isEqualTo(PriceTable.shipped().size()).isGreaterThan(100);
  }

  @Test
  void theProvidersWeServeArePriced() {
    assertThat(price("openai", "gpt-4o-mini").input()).isEqualByComparingTo("0.15");
    assertThat(price("anthropic", "claude-sonnet-4-5").cacheWrite()).isEqualByComparingTo("3.75");
    assertThat(price("bedrock", "amazon.nova-pro-v1:0").output()).isEqualByComparingTo("3.20");
  }

  @Test
  void datedSnapshotsArePricedAsTheirModelButOtherModelsAreNot() {
    assertThat(price("openai", "gpt-4o-2024-08-06")).isEqualTo(price("openai", "gpt-4o"));
    assertThat(price("openai", "GPT-4o-Mini-2024-07-18")).isEqualTo(price("openai", "gpt-4o-mini"));
    assertThat(price("openai", "gpt-4o-2024-05-13").input()).isEqualByComparingTo("5.00");
    assertThat(price("anthropic", "claude-3-5-sonnet-20241022"))
        .isEqualTo(price("anthropic", "claude-3-5-sonnet"));
    assertThat(price("anthropic", "claude-3-5-haiku-latest"))
        .isEqualTo(price("anthropic", "claude-3-5-haiku"));
    assertThat(price("anthropic", "claude-opus-4-5-20251101").input()).isEqualByComparingTo("5");
    assertThat(price("vertex-ai", "claude-sonnet-4@20250514"))
        .isEqualTo(price("vertex-ai", "claude-sonnet-4"));
    assertThat(price("google", "gemini-2.0-flash-001"))
        .isEqualTo(price("google", "gemini-2.0-flash"));
    assertThat(price("mistral-ai", "mistral-large-latest"))
        .isEqualTo(price("mistral-ai", "mistral-large"));

    PriceTable table = PriceTable.shipped();
    assertThat(table.price("openai", "gpt-4o-mini-tts")).isEmpty();
    assertThat(table.price("openai", "gpt-4-1106-preview")).isEmpty();
    assertThat(table.price("google", "gemini-2.5-flash-preview-05-20")).isEmpty();
    assertThat(table.price("openai", "nosuch-model")).isEmpty();
    assertThat(table.price("nosuch-provider", "gpt-4o")).isEmpty();
  }

  @Test
  void bedrockIdsMatchWithTheirVersionRegionPrefixAndArn() {
    ModelPrice sonnet = price("bedrock", "anthropic.claude-3-5-sonnet-20241022");
    assertThat(price("bedrock", "anthropic.claude-3-5-sonnet-20241022-v2:0")).isEqualTo(sonnet);
    assertThat(price("bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0")).isEqualTo(sonnet);
    assertThat(price("bedrock", "apac.anthropic.claude-3-5-sonnet-20241022-v2:0"))
        .isEqualTo(sonnet);
    assertThat(
            price(
                "bedrock",
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                    + "us.anthropic.claude-3-5-sonnet-20241022-v2:0"))
        .isEqualTo(sonnet);
    assertThat(price("bedrock", "anthropic.claude-3-haiku-20240307-v1:0:200k"))
        .isEqualTo(price("bedrock", "anthropic.claude-3-haiku-20240307"));
    assertThat(price("bedrock", "amazon.titan-embed-text-v2:0").input())
        .isEqualByComparingTo("0.02");
    assertThat(price("bedrock", "cohere.embed-english-v3").output()).isNull();
    assertThat(price("bedrock", "meta.llama3-1-70b-instruct-v1:0").output())
        .isEqualByComparingTo("0.72");
    assertThat(price("bedrock", "mistral.mistral-large-2407-v1:0").input())
        .isEqualByComparingTo("2");
    assertThat(price("bedrock", "mistral.mistral-large-2402-v1:0").input())
        .isEqualByComparingTo("4");
  }

  @Test
  void anOpenAiUsageBillsCachedPromptTokensAtTheCachedPrice() {
    Usage usage =
        WireJson.read(
            """
            {"prompt_tokens":2000,"completion_tokens":300,"total_tokens":2300,
             "prompt_tokens_details":{"cached_tokens":1536}}\
            """,
            Usage.class);

    // 464 uncached at 2.50, 1536 cached at 1.25, 300 out at 10.00, per million
    assertThat(PriceTable.shipped().cost("openai", "gpt-4o-2024-08-06", "gpt-4o", usage))
        .isEqualByComparingTo(usd("0.00608"));
  }

  @Test
  void anAnthropicUsageLeavesCacheReadsAndWritesOutOfThePrompt() {
    Usage usage =
        WireJson.read(
            """
            {"prompt_tokens":1000,"completion_tokens":200,"total_tokens":5300,
             "prompt_tokens_details":{"cached_tokens":4000},
             "cache_read_input_tokens":4000,"cache_creation_input_tokens":100}\
            """,
            Usage.class);

    assertThat(PriceTable.shipped().cost("anthropic", "claude-sonnet-4-5", null, usage))
        .isEqualByComparingTo(usd("0.007575"));
  }

  @Test
  void theAnswersModelIsTriedBeforeTheRequestsAndUnknownUsageHasNoCost() {
    Usage usage = Usage.of(1_000_000, 0);
    PriceTable table = PriceTable.shipped();

    assertThat(table.cost("openai", "gpt-4o-2024-05-13", "gpt-4o", usage))
        .isEqualByComparingTo("5");
    assertThat(table.cost("openai", "my-deployment", "gpt-4o", usage)).isEqualByComparingTo("2.5");
    assertThat(table.cost("openai", "gpt-4o", "gpt-4o", null)).isNull();
    assertThat(table.cost("openai", "nosuch", "nosuch-either", usage)).isNull();
    // An embedding model has no output price: completion tokens make the cost unknown.
    assertThat(table.cost("openai", "text-embedding-3-small", null, Usage.of(10, 1))).isNull();
    assertThat(table.cost("openai", "text-embedding-3-small", null, Usage.of(1_000_000, 0)))
        .isEqualByComparingTo("0.02");
  }

  @Test
  void aPreparedPriceGivesTheVeryDecimalOfTheFormulaScaleIncluded() throws IOException {
    // The cost is computed in longs per answer (PreparedPrice); the header and the log show the
    // BigDecimal of ModelPrice.cost, so both must agree on value and scale, for every model.
    PriceTable huge =
        PriceTable.parse(
            WireJson.tree(
                """
                {"providers":{"big":{"models":{
                  "wide":{"input":"92233720368547758070","output":"0.000000000000000000001"},
                  "scaled":{"input":"1E+3","output":"2.5","cached_input":"0.1234567"}}}}}\
                """));
    List<Usage> usages =
        List.of(
            Usage.of(0, 0),
            Usage.of(12, 9),
            Usage.of(1_000_000, 0),
            Usage.of(Integer.MAX_VALUE, Integer.MAX_VALUE),
            WireJson.read(
                """
                {"prompt_tokens":2000,"completion_tokens":300,"total_tokens":2400,
                 "prompt_tokens_details":{"cached_tokens":1536},"cache_creation_input_tokens":100}\
                """,
                Usage.class));
    Map<PriceTable, List<Map.Entry<String, String>>> models = new LinkedHashMap<>();
    models.put(huge, List.of(Map.entry("big", "wide"), Map.entry("big", "scaled")));
    List<Map.Entry<String, String>> shipped = new ArrayList<>();
    for (var provider : shippedFile().path("providers").properties()) {
      for (var model : provider.getValue().path("models").properties()) {
        shipped.add(Map.entry(provider.getKey(), model.getKey()));
      }
    }
    models.put(PriceTable.shipped(), shipped);
    int compared = 0;
    for (var table : models.entrySet()) {
      for (var model : table.getValue()) {
        String provider = model.getKey();
        ModelPrice price = table.getKey().price(provider, model.getValue()).orElseThrow();
        for (Usage usage : usages) {
          BigDecimal formula = price.cost(TokenCounts.of(usage));
          BigDecimal charged = table.getKey().cost(provider, model.getValue(), null, usage);
          assertThat(charged).as("%s %s %s", model, usage).isEqualTo(formula);
          if (formula != null) {
            assertThat(charged.toPlainString()).isEqualTo(formula.toPlainString());
            compared++;
          }
        }
      }
    }
    assertThat(compared).isGreaterThan(100);
  }

  static JsonNode shippedFile() throws IOException {
    try (InputStream in = PriceTable.class.getResourceAsStream("prices.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void anOverrideReplacesAModelWholeAndAddsProviders() {
    PriceTable mine =
        PriceTable.parse(
            WireJson.tree(
                """
                {"providers":{
                  "openai":{"models":{"gpt-4o":{"input":"1","output":2}}},
                  "vllm":{"models":{"llama-3-8b":{"input":0,"output":0}}}}}\
                """));

    PriceTable merged = PriceTable.shipped().overriddenBy(mine);

    assertThat(merged.price("openai", "gpt-4o-2024-08-06").orElseThrow())
        .isEqualTo(new ModelPrice(usd("1"), usd("2"), null, null));
    assertThat(merged.price("openai", "gpt-4o-mini"))
        .isEqualTo(PriceTable.shipped().price("openai", "gpt-4o-mini"));
    assertThat(merged.price("vllm", "llama-3-8b")).isPresent();
    assertThat(merged.size()).isEqualTo(PriceTable.shipped().size() + 1);
  }

  @Test
  void aModelMarkedFreeCostsNothingAndMayNotAlsoHaveAPrice() {
    PriceTable table =
        PriceTable.parse(
            WireJson.tree(
                """
                {"providers": {"ollama": {"models": {"llama3.2": {"free": true}}}}}
                """));
    assertThat(table.price("ollama", "llama3.2")).contains(ModelPrice.FREE);
    assertThat(table.cost("ollama", "llama3.2", null, Usage.of(120, 30))).isEqualByComparingTo("0");
    assertThatThrownBy(() ->
            PriceTable.parse(
                WireJson.tree(
                    """
                    {"providers": {"ollama": {"models": {"llama3.2": {"free": true, "input": 1}}}}}
                    """)))
        .hasMessageContaining("providers.ollama.models.llama3.2 is free: true and has a price");
    assertThatThrownBy(() ->
            PriceTable.parse(
                WireJson.tree(
                    """
                    {"providers": {"ollama": {"models": {"llama3.2": {"free": "yes"}}}}}
                    """)))
        .hasMessageContaining("providers.ollama.models.llama3.2.free must be true or false");
  }

  @Test
  void anInvalidTableIsRefusedNamingTheEntry() {
    assertThatThrownBy(() ->
            PriceTable.parse(
                WireJson.tree(
                    "{\"providers\":{\"openai\":{\"models\":{\"gpt-4o\":{\"input\":1,\"ouput\":2}}}}}")))
        .hasMessageContaining("providers.openai.models.gpt-4o")
        .hasMessageContaining("ouput");
    assertThatThrownBy(() ->
            PriceTable.parse(
                WireJson.tree(
                    "{\"providers\":{\"openai\":{\"models\":{\"gpt-4o\":{\"input\":-1}}}}}")))
        .hasMessageContaining("providers.openai.models.gpt-4o.input must not be negative");
    assertThatThrownBy(() ->
            PriceTable.parse(
                WireJson.tree("{\"providers\":{\"openai\":{\"models\":{\"gpt-4o\":{}}}}}")))
        .hasMessageContaining("input is required");
  }
}
