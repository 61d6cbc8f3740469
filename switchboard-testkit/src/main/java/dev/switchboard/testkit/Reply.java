package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** What the fake answers to one request, before any fault changes how it is delivered. */
sealed interface Reply {

  /** A JSON body with a status and extra headers. */
  record Json(int status, JsonNode body, Map<String, String> headers) implements Reply {
    public Json {
      headers = Map.copyOf(headers);
    }

    public Json(int status, JsonNode body) {
      this(status, body, Map.of());
    }

    /** A 200 answer. */
    static Json ok(JsonNode body) {
      return new Json(200, body);
    }
  }

  /** A body that is not JSON (an SDP answer), with its status, content type and extra headers. */
  record Text(int status, String contentType, String body, Map<String, String> headers)
      implements Reply {
    public Text {
      headers = Map.copyOf(headers);
    }
  }

  /**
   * A 200 server-sent event stream, framed by the provider's {@link ReplyExchange}: for OpenAI each
   * event as {@code data: <json>}, and {@code data: [DONE]} after the last one
   * (https://platform.openai.com/docs/api-reference/chat-streaming).
   */
  record EventStream(List<JsonNode> events) implements Reply {
    public EventStream {
      events = List.copyOf(events);
    }
  }
}
