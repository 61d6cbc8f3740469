package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * How the gateway answers an operation: a whole body, a stream of events, or a raw response, with
 * its {@link Origin}. A stage that wraps or rewrites an answer keeps its origin ({@code with…}).
 */
public sealed interface Outcome {

  /**
   * Who answered, told upwards with the answer: the attempt that was answered, and whether the
   * cache answered it in the provider's place. {@code null} for an answer no attempt gave (a
   * provider's error relayed as it came).
   */
  Origin origin();

  /** A complete response body (a wire-model record) and the provider's response headers. */
  record Body(Object body, List<Map.Entry<String, String>> headers, Origin origin)
      implements Outcome {
    public Body {
      headers = List.copyOf(headers);
    }

    public Body(Object body, List<Map.Entry<String, String>> headers) {
      this(body, headers, null);
    }

    /** The provider's answer to {@code attempt}. */
    public static Body of(Reply<?> reply, Attempt attempt) {
      return new Body(reply.body(), reply.headers(), Origin.provider(attempt));
    }

    /** This answer with another body, from the same origin. */
    public Body withBody(Object next) {
      return new Body(next, headers, origin);
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
  record Events(ResponseStream<?> stream, Origin origin) implements Outcome {
    public Events(ResponseStream<?> stream) {
      this(stream, null);
    }

    /** This answer read through {@code next} (a stream wrapping this one), from the same origin. */
    public Events withStream(ResponseStream<?> next) {
      return new Events(next, origin);
    }
  }

  /** A provider's response passed through unchanged. */
  record Raw(UpstreamResponse response, Origin origin) implements Outcome {
    public Raw(UpstreamResponse response) {
      this(response, null);
    }

    /** This answer as {@code next} (the same response, read or judged), from the same origin. */
    public Raw withResponse(UpstreamResponse next) {
      return new Raw(next, origin);
    }
  }

  /**
   * Who answered.
   *
   * @param attempt the attempt answered, as it was sent (after every stage's rewrite)
   * @param fromCache whether the cache answered it, without an upstream call
   * @param savedCostUsd for an answer from the cache, what it would have cost at the provider, in
   *     US dollars; {@code null} for any other answer, or when unknown
   */
  record Origin(Attempt attempt, boolean fromCache, BigDecimal savedCostUsd) {
    /** The provider answered {@code attempt}. */
    public static Origin provider(Attempt attempt) {
      return new Origin(attempt, false, null);
    }

    /** The cache answered {@code attempt}, saving {@code savedCostUsd}. */
    public static Origin cache(Attempt attempt, BigDecimal savedCostUsd) {
      return new Origin(attempt, true, savedCostUsd);
    }
  }
}
