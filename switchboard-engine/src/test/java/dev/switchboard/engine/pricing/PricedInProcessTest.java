package dev.switchboard.engine.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The cost of an answer on the in-process API: the response's facts, and a stream's last event. */
class PricedInProcessTest {
  /** The offline provider priced at one dollar per million tokens in, two out. */
  static final PriceTable MOCK_PRICES =
      PriceTable.parse(
          WireJson.tree(
              "{\"providers\":{\"mock\":{\"models\":{\"mock-chat\":{\"input\":1,\"output\":2}}}}}"));

  static ChatRequest hello() {
    return WireJson.read(
        "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"price me please\"}]}",
        ChatRequest.class);
  }

  static BigDecimal expected(Usage usage) {
    return BigDecimal.valueOf(usage.promptTokens() + 2L * usage.completionTokens())
        .movePointLeft(6);
  }

  static Gateway gateway(PriceTable prices) {
    return Gateway.builder().settings(GatewaySettings.builder().prices(prices).build()).build();
  }

  @Test
  void aWholeAnswersFactsCarryItsCost() {
    try (Gateway gateway = gateway(PriceTable.shipped().overriddenBy(MOCK_PRICES))) {
      var answer = gateway.chat(hello(), RequestOptions.builder().provider("mock").build());

      assertThat(answer.facts().costUsd()).isEqualByComparingTo(expected(answer.body().usage()));
      assertThat(answer.facts().savedCostUsd()).isNull();
      assertThat(gateway.prices().price("mock", "mock-chat")).isPresent();
    }
  }

  @Test
  void theShippedTableDoesNotPriceTheOfflineProvider() {
    try (Gateway gateway = gateway(PriceTable.shipped())) {
      var answer = gateway.chat(hello(), RequestOptions.builder().provider("mock").build());

      assertThat(answer.facts().costUsd()).isNull();
    }
  }

  @Test
  void aStreamsLastEventCarriesItsCostWhenTheCallerAsks() {
    ChatRequest request =
        WireJson.read(
            "{\"model\":\"mock-chat\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"price me please\"}]}",
            ChatRequest.class);
    try (Gateway gateway = gateway(PriceTable.shipped().overriddenBy(MOCK_PRICES));
        var stream =
            gateway.chatStream(
                request,
                RequestOptions.builder()
                    .provider("mock")
                    .requestHeader(PricingStage.STREAM_COST_HEADER, "true")
                    .build())) {
      ChatCompletionChunk last = null;
      for (ChatCompletionChunk chunk = stream.next(); chunk != null; chunk = stream.next()) {
        last = chunk;
      }

      assertThat(stream.facts().costUsd()).isNull();
      assertThat(last.usage()).isNotNull();
      assertThat(last.extras().get(PricingStage.STREAM_COST_FIELD).decimalValue())
          .isEqualByComparingTo(expected(last.usage()));
    }
  }
}
