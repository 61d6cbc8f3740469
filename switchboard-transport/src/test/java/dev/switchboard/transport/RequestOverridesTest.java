package dev.switchboard.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.RequestOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A request's own gateway options over its model's, as both integrations apply them. */
class RequestOverridesTest {
  static final RequestOptions MODEL =
      RequestOptions.builder()
          .provider("openai")
          .apiKey("sk-model")
          .config("model-config")
          .traceId("model-trace")
          .metadata(Map.of("team", "search", "_user", "model-user"))
          .cacheNamespace("model-space")
          .requestTimeout(Duration.ofSeconds(7))
          .gatewayKey("gw-key")
          .build();

  @Test
  void aRequestsOptionsWinAndItsMetadataIsMergedOverTheModels() {
    RequestOptions sent =
        new RequestOverrides(
                "mock", "request-config", "request-trace", Map.of("_user", "ada"), "space", true)
            .over(MODEL);

    assertThat(sent.provider()).isEqualTo("mock");
    assertThat(sent.config()).isEqualTo("request-config");
    assertThat(sent.traceId()).isEqualTo("request-trace");
    assertThat(sent.metadata())
        .containsOnly(Map.entry("team", "search"), Map.entry("_user", "ada"));
    assertThat(sent.cacheNamespace()).isEqualTo("space");
    assertThat(sent.cacheForceRefresh()).isTrue();
    // What a request cannot set stays the model's.
    assertThat(sent.apiKey()).isEqualTo("sk-model");
    assertThat(sent.requestTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(sent.gatewayKey()).isEqualTo("gw-key");
  }

  @Test
  void optionsARequestLeavesUnsetAreTheModels() {
    RequestOptions sent = new RequestOverrides(null, null, null, null, null, null).over(MODEL);

    assertThat(sent).isEqualTo(MODEL);
  }
}
