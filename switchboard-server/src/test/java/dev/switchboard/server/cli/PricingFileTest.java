package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code pricing.file} setting: an operator's prices laid over the shipped ones. */
class PricingFileTest {
  @TempDir Path dir;

  @Test
  void aPricingFileChangesTheCostOfTheModelsItNamesAndOnlyThose() throws Exception {
    Path prices = dir.resolve("prices.yaml");
    Files.writeString(
        prices,
        """
        providers:
          openai:
            source: our negotiated rates
            models:
              gpt-4o-mini: {input: 1.00, output: "2.00", cached_input: 0.5}
        """);
    try (FakeOpenAi openai = FakeOpenAi.start()) {
      ServerSettings settings =
          SettingsLoader.load(
              null,
              Map.of("SWITCHBOARD_PRICING_FILE", prices.toString()),
              Map.of(
                  "server.port",
                  "0",
                  "providers.openai.base-url",
                  openai.baseUrl(),
                  "logs.enabled",
                  "false"));
      assertThat(settings.gateway().prices().price("openai", "gpt-4o").orElseThrow().input())
          .isEqualByComparingTo("2.50");

      try (SwitchboardServer server = SwitchboardServer.start(settings)) {
        HttpResponse<String> response =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                        .header("content-type", "application/json")
                        .header("x-portkey-provider", "openai")
                        .header("authorization", "Bearer sk-test")
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o-mini\",\"messages\":"
                                    + "[{\"role\":\"user\",\"content\":\"price me\"}]}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());

        JsonNode usage = WireJson.tree(response.body()).path("usage");
        BigDecimal expected =
            BigDecimal.valueOf(usage.path("prompt_tokens").asLong())
                .add(BigDecimal.valueOf(2 * usage.path("completion_tokens").asLong()))
                .movePointLeft(6);
        assertThat(
                new BigDecimal(
                    response.headers().firstValue("x-switchboard-cost-usd").orElseThrow()))
            .isEqualByComparingTo(expected);
      }
    }
  }

  @Test
  void aPricingFileThatIsNotATableStopsTheGatewayNamingTheSettingAndTheEntry() throws Exception {
    Path prices = dir.resolve("prices.json");
    Files.writeString(
        prices, "{\"providers\":{\"openai\":{\"models\":{\"gpt-4o\":{\"input\":-1}}}}}");

    assertThatThrownBy(
            () -> SettingsLoader.load(null, Map.of(), Map.of("pricing.file", prices.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pricing.file")
        .hasMessageContaining("providers.openai.models.gpt-4o.input must not be negative");
    assertThatThrownBy(() ->
            SettingsLoader.load(
                null, Map.of(), Map.of("pricing.file", dir.resolve("missing.json").toString())))
        .hasMessageContaining("pricing.file");
  }
}
