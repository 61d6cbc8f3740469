package dev.switchboard.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conversation stage on a streamed answer: the provider sees the stored conversation and no
 * {@code previous_response_id}, the client sees the id back in each event's {@code response}, and
 * the response as {@code response.completed} carries it is stored.
 */
class ConversationStageStreamTest {
  private final Clock clock = Clock.systemUTC();
  private final StoredResponses responses =
      new StoredResponses(
          ResponseStore.open("jdbc:h2:mem:stream-" + UUID.randomUUID()),
          new SecretBox(
              MasterKeys.of(
                  Base64.getEncoder().encodeToString("k".repeat(32).getBytes()), null, List.of())),
          StateSettings.DEFAULT_RETENTION,
          clock);
  private final ConversationStage stage = new ConversationStage(responses, null);

  @AfterEach
  void close() {
    responses.close();
  }

  @Test
  void aStreamContinuesTheConversationAndIsStoredFromItsCompletedEvent() {
    ObjectNode earlier = WireJson.mapper().createObjectNode().put("id", "resp_earlier");
    earlier
        .putArray("output")
        .addObject()
        .put("type", "message")
        .put("role", "assistant")
        .put("content", "Noted: Ada.");
    var input = ResponseItems.of(WireJson.mapper().getNodeFactory().textNode("I am Ada."));
    responses.save(
        new StoredResponse(
            "resp_earlier",
            Workspaces.NONE,
            clock.instant(),
            earlier,
            input,
            ResponseItems.listed(input),
            WireJson.mapper().createArrayNode()));
    AtomicReference<ObjectNode> sent = new AtomicReference<>();

    Outcome outcome =
        stage.handle(
            Request.of(
                new Operation.Responses(
                    (ObjectNode)
                        WireJson.strictTree(
                            """
                            {"model":"m","stream":true,"previous_response_id":"resp_earlier",
                             "input":"Who am I?"}\
                            """)),
                RequestOptions.builder().build()),
            request -> {
              sent.set(((Operation.Responses) request.operation()).request());
              return new Outcome.Events(
                  stream(
                      new SseEvent(
                          "response.created",
                          "{\"type\":\"response.created\",\"response\":{\"id\":\"resp_new\","
                              + "\"status\":\"in_progress\",\"previous_response_id\":null,"
                              + "\"output\":[]}}",
                          null),
                      new SseEvent(
                          "response.output_text.delta",
                          "{\"type\":\"response.output_text.delta\",\"delta\":\"Ada\"}",
                          null),
                      new SseEvent(
                          "response.completed",
                          "{\"type\":\"response.completed\",\"response\":{\"id\":\"resp_new\","
                              + "\"status\":\"completed\",\"previous_response_id\":null,"
                              + "\"output\":[{\"type\":\"message\",\"role\":\"assistant\","
                              + "\"content\":\"Ada\"}]}}",
                          null)));
            });

    List<JsonNode> events = new ArrayList<>();
    try (var stream = (ResponseStream<?>) ((Outcome.Events) outcome).stream()) {
      for (Object event = stream.next(); event != null; event = stream.next()) {
        events.add(WireJson.strictTree(((SseEvent) event).data()));
      }
    }

    assertThat(sent.get().has("previous_response_id")).isFalse();
    assertThat(sent.get().get("input").toString())
        .isEqualTo(
            "[{\"type\":\"message\",\"role\":\"user\",\"content\":\"I am Ada.\"},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":\"Noted: Ada.\"},"
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":\"Who am I?\"}]");
    assertThat(events.get(0).at("/response/previous_response_id").asText())
        .isEqualTo("resp_earlier");
    assertThat(events.get(1).get("delta").asText()).isEqualTo("Ada");
    assertThat(events.get(2).at("/response/previous_response_id").asText())
        .isEqualTo("resp_earlier");
    StoredResponse stored = responses.find("resp_new", Workspaces.NONE).orElseThrow();
    assertThat(stored.response().get("previous_response_id").asText()).isEqualTo("resp_earlier");
    // The earlier turn, this input, then this answer: what a request continuing it carries.
    assertThat(stored.conversation()).hasSize(4);
    assertThat(stored.conversation().get(3).get("content").asText()).isEqualTo("Ada");
  }

  private static ResponseStream<SseEvent> stream(SseEvent... events) {
    Iterator<SseEvent> next = List.of(events).iterator();
    return new ResponseStream<>() {
      @Override
      public SseEvent next() {
        return next.hasNext() ? next.next() : null;
      }

      @Override
      public void close() {}
    };
  }
}
