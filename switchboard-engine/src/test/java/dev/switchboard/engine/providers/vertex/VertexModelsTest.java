package dev.switchboard.engine.providers.vertex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which publisher serves a Vertex AI model, the Claude body, and what a service account may be. */
class VertexModelsTest {
  @Test
  void modelsGoToTheirPublisherAsPortkeyReadsThem() {
    assertThat(VertexProvider.PublisherModel.of("gemini-2.5-flash"))
        .isEqualTo(new VertexProvider.PublisherModel("google", "gemini-2.5-flash"));
    assertThat(VertexProvider.PublisherModel.of("google.gemini-2.5-pro"))
        .isEqualTo(new VertexProvider.PublisherModel("google", "gemini-2.5-pro"));
    assertThat(VertexProvider.PublisherModel.of("anthropic.claude-opus-4@20250514"))
        .isEqualTo(new VertexProvider.PublisherModel("anthropic", "claude-opus-4@20250514"));
    assertThat(VertexProvider.PublisherModel.of("claude-sonnet-4-5@20250929").publisher())
        .isEqualTo("anthropic");
    assertThatThrownBy(() -> VertexProvider.PublisherModel.of("meta.llama-4"))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> VertexProvider.PublisherModel.of("gemini/../../x"))
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void claudesBodyHasNoModelAndVertexsVersion() {
    ChatRequest request =
        WireJson.read(
            "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            ChatRequest.class);
    Target target = new Target("vertex-ai", null, null, List.of(), null, Map.of());
    Target versioned =
        new Target("vertex-ai", null, null, List.of(), null, Map.of("anthropic_version", "v2"));

    var body = VertexProvider.anthropicBody(request, target);

    assertThat(body.has("model")).isFalse();
    assertThat(body.path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
    assertThat(VertexProvider.anthropicBody(request, versioned).path("anthropic_version").asText())
        .isEqualTo("v2");
  }

  @Test
  void aServiceAccountMustBeOneAndItsTokenUriTrusted() {
    UpstreamClient client =
        new UpstreamClient(
            new OutboundGuard(Set.of("127.0.0.1")), Duration.ofSeconds(1), Duration.ofSeconds(1));
    VertexAccessTokens tokens = new VertexAccessTokens(client, Duration.ofSeconds(1), 4);

    assertThatThrownBy(() -> tokens.token("{\"type\":\"authorized_user\"}"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("service account key");
    assertThatThrownBy(() -> tokens.token("not json"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageNotContaining("not json");
    String elsewhere =
        "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"k\","
            + "\"token_uri\":\"https://169.254.169.254/token\"}";
    assertThatThrownBy(() -> tokens.token(elsewhere))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("token_uri");
    String unreadable =
        "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"secret-k\","
            + "\"client_id\":\"1\",\"private_key_id\":\"2\"}";
    assertThatThrownBy(() -> tokens.token(unreadable))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageNotContaining("secret-k");
  }
}
