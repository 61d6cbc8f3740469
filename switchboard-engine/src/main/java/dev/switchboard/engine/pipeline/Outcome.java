package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import java.util.List;
import java.util.Map;

/** How the gateway answers an operation: a whole body, a stream of events, or a raw response. */
public sealed interface Outcome {

  /** A complete response body (a wire-model record) and the provider's response headers. */
  record Body(Object body, List<Map.Entry<String, String>> headers) implements Outcome {
    public Body {
      headers = List.copyOf(headers);
    }

    public static Body of(Reply<?> reply) {
      return new Body(reply.body(), reply.headers());
    }
  }

  /** The provider's response headers, to pass back to the client. */
  default List<Map.Entry<String, String>> headers() {
    return switch (this) {
      case Body body -> body.headers();
      case Events events -> events.stream().headers();
      case Raw raw -> raw.response().headers();
    };
  }

  /** A stream of wire-model events. */
  record Events(ResponseStream<?> stream) implements Outcome {}

  /** A provider's response passed through unchanged. */
  record Raw(UpstreamResponse response) implements Outcome {}
}
