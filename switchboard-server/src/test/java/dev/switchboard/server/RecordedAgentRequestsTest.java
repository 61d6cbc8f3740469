package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The very requests Codex CLI 0.169.0 and Claude Code 2.1.328 sent (recorded, scrubbed, in {@code
 * src/test/resources/clients/}), replayed to the gateway's {@code mock} provider with the headers
 * they came with: each is served, as a stream that ends as the client requires.
 */
class RecordedAgentRequestsTest {
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayUnderTest.start(null);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  /** A recorded request: its body, and its headers without those the recorder masked. */
  static JsonNode fixture(String name) throws IOException {
    try (InputStream in = RecordedAgentRequestsTest.class.getResourceAsStream("/clients/" + name)) {
      assertThat(in).as(name).isNotNull();
      return WireJson.tree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  static String[] headers(JsonNode recorded, String... extra) {
    List<String> headers = new java.util.ArrayList<>(List.of(extra));
    recorded
        .path("headers")
        .properties()
        .forEach(header -> {
          String name = header.getKey();
          if (!name.equals("authorization")
              && !name.equals("x-api-key")
              && !name.equals("content-type")
              && !name.startsWith("x-portkey-")) {
            headers.add(name);
            headers.add(header.getValue().asText());
          }
        });
    return headers.toArray(String[]::new);
  }

  @Test
  void codexsRecordedTurnIsServedAsAResponsesStreamThatEndsWithResponseCompleted()
      throws IOException {
    JsonNode recorded = fixture("codex-0.169.0-responses.json");

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/responses",
            WireJson.writeString(recorded.get("body")),
            headers(recorded, "x-portkey-provider", "mock", "authorization", "Bearer sk-unused"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> events =
        GatewayUnderTest.sseData(response.body()).stream().map(WireJson::tree).toList();
    assertThat(events.getFirst().path("type").asText()).isEqualTo("response.created");
    assertThat(events.getLast().path("type").asText()).isEqualTo("response.completed");
    assertThat(events)
        .filteredOn(e -> e.path("type").asText().equals("response.output_item.done"))
        .as("every output item is told done, as Codex reads items from there")
        .hasSameSizeAs(events.getLast().path("response").path("output"));
  }

  @Test
  void claudeCodesRecordedTurnIsServedAsAMessagesStreamWithEveryBlockClosed() throws IOException {
    JsonNode recorded = fixture("claude-code-2.1.328-messages.json");
    ObjectNode body = (ObjectNode) recorded.get("body");

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/messages?beta=true",
            WireJson.writeString(body),
            headers(recorded, "x-portkey-provider", "mock", "x-api-key", "sk-ant-unused"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<JsonNode> events =
        GatewayUnderTest.sseData(response.body()).stream().map(WireJson::tree).toList();
    assertThat(events.getFirst().path("type").asText()).isEqualTo("message_start");
    assertThat(events.getLast().path("type").asText()).isEqualTo("message_stop");
    assertThat(events.stream().filter(e -> e.path("type").asText().equals("content_block_stop")))
        .as("every block is closed, as Claude Code needs to run a tool call")
        .hasSameSizeAs(
            events.stream()
                .filter(e -> e.path("type").asText().equals("content_block_start"))
                .toList());
  }
}
