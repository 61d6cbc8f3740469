package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Responses API event stream as a client reads it
 * (https://platform.openai.com/docs/api-reference/responses-streaming): its named events, the
 * checks of their order and numbering, and the response they reassemble to.
 */
final class ResponsesEvents {
  /** One event: its {@code event:} name and its data. */
  record Event(String name, JsonNode data) {
    String type() {
      return data.path("type").asText();
    }
  }

  private ResponsesEvents() {}

  /** The events of an SSE body: each {@code event:} line with the {@code data:} that follows. */
  static List<Event> parse(String body) {
    List<Event> events = new ArrayList<>();
    String name = null;
    for (String line : body.split("\n")) {
      if (line.startsWith("event: ")) {
        name = line.substring(7).strip();
      } else if (line.startsWith("data: ")) {
        events.add(new Event(name, WireJson.tree(line.substring(6))));
        name = null;
      }
    }
    return events;
  }

  /**
   * The stream is as OpenAI sends it: every event named by its type, numbered 0, 1, 2, …; {@code
   * response.created} and {@code response.in_progress} first, {@code response.completed} (or {@code
   * .incomplete}) last, and nothing after it; each item added at the next output index before any
   * event of its own, its events carrying its id and index, and done before the next item is added;
   * the text and arguments deltas add up to what the done events say.
   */
  static void assertWellFormed(List<Event> events) {
    assertThat(events).hasSizeGreaterThanOrEqualTo(3);
    for (int i = 0; i < events.size(); i++) {
      Event event = events.get(i);
      assertThat(event.name()).as("event %d's name", i).isEqualTo(event.type());
      assertThat(event.data().path("sequence_number").asInt(-1))
          .as("sequence number of %s", event.type())
          .isEqualTo(i);
    }
    assertThat(events.get(0).type()).isEqualTo("response.created");
    assertThat(events.get(1).type()).isEqualTo("response.in_progress");
    assertThat(events.getLast().type()).isIn("response.completed", "response.incomplete");
    String responseId = events.get(0).data().at("/response/id").asText();
    assertThat(responseId).startsWith("resp_");
    assertThat(events.getLast().data().at("/response/id").asText()).isEqualTo(responseId);

    String openItem = null;
    int openIndex = -1;
    int nextIndex = 0;
    StringBuilder deltas = new StringBuilder();
    for (Event event : events.subList(2, events.size() - 1)) {
      JsonNode data = event.data();
      switch (event.type()) {
        case "response.output_item.added" -> {
          assertThat(openItem).as("an item added while another is open").isNull();
          assertThat(data.path("output_index").asInt()).isEqualTo(nextIndex);
          openItem = data.at("/item/id").asText();
          openIndex = nextIndex++;
          if (!Set.of("custom_tool_call", "reasoning").contains(data.at("/item/type").asText())) {
            // a custom tool call has no status, nor has a reasoning item as OpenAI streams it
            assertThat(data.at("/item/status").asText()).isEqualTo("in_progress");
          }
          deltas.setLength(0);
        }
        case "response.output_item.done" -> {
          assertThat(data.at("/item/id").asText()).isEqualTo(openItem);
          assertThat(data.path("output_index").asInt()).isEqualTo(openIndex);
          openItem = null;
        }
        default -> {
          assertThat(openItem).as("%s outside an item", event.type()).isNotNull();
          assertThat(data.path("item_id").asText()).as(event.type()).isEqualTo(openItem);
          assertThat(data.path("output_index").asInt()).as(event.type()).isEqualTo(openIndex);
          if (event.type().endsWith(".delta")) {
            deltas.append(data.path("delta").asText());
          } else if (event.type().equals("response.output_text.done")
              || event.type().equals("response.reasoning_summary_text.done")) {
            assertThat(data.path("text").asText()).isEqualTo(deltas.toString());
          } else if (event.type().equals("response.function_call_arguments.done")) {
            assertThat(data.path("arguments").asText()).isEqualTo(deltas.toString());
          }
        }
      }
    }
    assertThat(openItem).as("an item never done").isNull();
  }

  /**
   * The response a client reassembles from the events: the last event's {@code response}, whose
   * output is checked against the items the events carried ({@code response.output_item.done}, by
   * output index).
   */
  static JsonNode reassemble(List<Event> events) {
    Map<Integer, JsonNode> items = new TreeMap<>();
    Map<String, StringBuilder> texts = new HashMap<>();
    for (Event event : events) {
      JsonNode data = event.data();
      switch (event.type()) {
        case "response.output_item.done" ->
            items.put(data.path("output_index").asInt(), data.get("item"));
        case "response.output_text.delta",
            "response.function_call_arguments.delta",
            "response.reasoning_summary_text.delta" ->
            texts
                .computeIfAbsent(data.path("item_id").asText(), id -> new StringBuilder())
                .append(data.path("delta").asText());
        default -> {}
      }
    }
    ArrayNode output = JsonNodeFactory.instance.arrayNode();
    items.values().forEach(output::add);
    for (JsonNode item : output) {
      StringBuilder streamed = texts.get(item.path("id").asText());
      if (item.path("type").asText().equals("function_call")) {
        assertThat(item.path("arguments").asText())
            .isEqualTo(streamed == null ? "" : streamed.toString());
      } else if (item.path("type").asText().equals("message")) {
        assertThat(item.at("/content/0/text").asText()).isEqualTo(streamed.toString());
      } else if (item.path("type").asText().equals("reasoning")) {
        assertThat(item.at("/summary/0/text").asText()).isEqualTo(streamed.toString());
      }
    }
    ObjectNode response = events.getLast().data().get("response").deepCopy();
    assertThat(response.get("output")).isEqualTo(output);
    return response;
  }
}
