package dev.switchboard.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireJson;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversation state in a JVM app, with no server (docs/embedding.md): the state installed into a
 * gateway being built, and a conversation continued by {@code previous_response_id} through {@link
 * Gateway#responses} and {@link Gateway#responsesStream}, to a provider that does not speak the
 * Responses API.
 */
class InProcessConversationTest {
  static final RequestOptions MOCK = RequestOptions.builder().provider("mock").build();

  @TempDir Path data;
  ConversationState state;
  Gateway gateway;

  @BeforeEach
  void build() {
    String key = Base64.getEncoder().encodeToString("m".repeat(32).getBytes());
    state =
        ConversationState.start(
            new StateSettings(true, StateSettings.EMBEDDED, data, null, null, 4),
            MasterKeys.of(key, null, List.of()),
            Clock.systemUTC());
    Gateway.Builder builder = Gateway.builder().settings(GatewaySettings.defaults());
    state.install(builder);
    gateway = builder.build();
    state.attach(gateway);
  }

  @AfterEach
  void close() {
    gateway.close();
    state.close();
  }

  static ObjectNode turn(String input, String previous) {
    ObjectNode body = WireJson.mapper().createObjectNode().put("model", "mock-chat");
    body.put("input", input);
    if (previous != null) {
      body.put("previous_response_id", previous);
    }
    return body;
  }

  @Test
  void aConversationContinuesByItsPreviousResponseIdWholeAndStreamed() {
    JsonNode first = gateway.responses(turn("My name is Ada.", null), MOCK).body();
    String id = first.path("id").asText();
    assertThat(id).startsWith("resp_");

    JsonNode second = gateway.responses(turn("Who am I?", id), MOCK).body();
    assertThat(second.path("previous_response_id").asText()).isEqualTo(id);
    JsonNode alone = gateway.responses(turn("Who am I?", null), MOCK).body();
    assertThat(second.at("/usage/input_tokens").asInt())
        .as("the provider was sent the earlier turn too")
        .isGreaterThan(alone.at("/usage/input_tokens").asInt());
    assertThat(
            state
                .inputItems(second.path("id").asText(), Workspaces.NONE, 20, null, true)
                .toString())
        .contains("Who am I?");

    List<String> types = new ArrayList<>();
    JsonNode completed = null;
    try (var stream = gateway.responsesStream(turn("And now?", second.path("id").asText()), MOCK)) {
      for (SseEvent event = stream.next(); event != null; event = stream.next()) {
        types.add(event.event());
        if ("response.completed".equals(event.event())) {
          completed = WireJson.tree(event.data()).path("response");
        }
      }
    }
    assertThat(types).first().isEqualTo("response.created");
    assertThat(completed).isNotNull();
    assertThat(completed.path("previous_response_id").asText())
        .isEqualTo(second.path("id").asText());
    assertThat(
            state.retrieve(completed.path("id").asText(), Workspaces.NONE).path("status").asText())
        .isEqualTo("completed");
  }

  @Test
  void anUnknownPreviousResponseIsRefusedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> gateway.responses(turn("Who am I?", "resp_unknown"), MOCK))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).contains("resp_unknown");
            });
  }
}
