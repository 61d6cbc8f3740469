package dev.switchboard.engine.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A provider's streamed answer: its events, read from the response's body by an {@link EventSource}
 * (server-sent events, AWS's event-stream frames), turned one at a time by the provider's {@link
 * Translator} into what the gateway streams (OpenAI chunks, or the provider's own events, checked).
 * Every provider's stream follows the same rules, written here once:
 *
 * <ul>
 *   <li>an event that gives nothing (a ping, a block's end) is skipped, the next one read;
 *   <li>a stream is complete only after the provider's terminal event ({@link
 *       Translator#finished()}): a body that ends before it broke off and is a failure, never taken
 *       for a complete answer;
 *   <li>a stream that {@linkplain Translator#endsAtTerminalEvent() ends at its terminal event} is
 *       over there, the rest of its body left unread; another is over at the body's end;
 *   <li>a failure (the body broke off, a malformed event, the provider's error event) ends the
 *       stream and aborts the upstream call;
 *   <li>closing the stream before its end aborts the upstream call.
 * </ul>
 *
 * <p>The events are read on the thread that calls {@link #next()}, so an SSE source's comments
 * reach the {@link dev.switchboard.engine.sse.SseComments} sink bound around that call. Not
 * thread-safe: one reader.
 *
 * @param <E> the provider's event, as its source gives it
 * @param <T> what the stream gives
 */
public final class TranslatedStream<E, T> implements ResponseStream<T> {
  private final String provider;
  private final UpstreamResponse response;
  private final EventSource<E> events;
  private final Translator<E, T> translator;
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private final Consumer<T> toPending = pending::add;
  private boolean over;

  /**
   * Where a provider's events come from: the next one, read from the response's body as far as
   * needed, as it came.
   *
   * @param <E> the event
   */
  @FunctionalInterface
  public interface EventSource<E> {
    /**
     * The next event, blocking until it arrives; {@code null} at the end of the body.
     *
     * @throws dev.switchboard.engine.errors.GatewayException when the body breaks off or holds
     *     something that is not an event
     */
    E next();
  }

  /**
   * One provider's events turned into what its stream gives, one event at a time; stateful, one per
   * stream. The provider's own part: what each event gives, which event is its last, and how its
   * error events are mapped.
   *
   * @param <E> the provider's event
   * @param <T> what the stream gives
   */
  public interface Translator<E, T> {
    /**
     * Gives {@code out} what one event becomes: nothing, one item, or several, in order.
     *
     * @throws dev.switchboard.engine.errors.GatewayException for the provider's error event (mapped
     *     to the provider's error), or an event that is not valid
     */
    void translate(E event, Consumer<? super T> out);

    /** Whether the provider's terminal event came: the answer is whole. */
    boolean finished();

    /**
     * Whether the stream is over as soon as its terminal event came, the rest of the body unread
     * (Anthropic's {@code message_stop}, Cohere's {@code message-end}, OpenAI's {@code [DONE]}: so
     * by default); otherwise it is over at the body's end, which may carry more events after the
     * terminal one (Gemini's usage, ConverseStream's {@code metadata}).
     */
    default boolean endsAtTerminalEvent() {
      return true;
    }

    /**
     * Gives {@code out} what follows the last event of a complete stream that ends with its body;
     * nothing by default.
     */
    default void end(Consumer<? super T> out) {}
  }

  /**
   * @param provider the provider's name, for the failure of a stream that broke off
   * @param events the events of {@code response}'s body
   */
  public TranslatedStream(
      String provider,
      UpstreamResponse response,
      EventSource<E> events,
      Translator<E, T> translator) {
    this.provider = provider;
    this.response = response;
    this.events = events;
    this.translator = translator;
  }

  /** The server-sent events of {@code response}, translated. */
  public static <T> TranslatedStream<SseEvent, T> ofSse(
      String provider, UpstreamResponse response, Translator<SseEvent, T> translator) {
    SseReader reader = new SseReader(response.body());
    EventSource<SseEvent> events =
        () -> {
          try {
            return reader.next();
          } catch (IOException e) {
            throw response.translate(e);
          }
        };
    return new TranslatedStream<>(provider, response, events, translator);
  }

  /**
   * A server-sent event's data as JSON.
   *
   * @throws UpstreamFailureException when it is not JSON
   */
  public static JsonNode json(String provider, String data) {
    try {
      return WireJson.tree(data);
    } catch (WireFormatException e) {
      throw notJson(provider, e);
    }
  }

  /** A server-sent event's type: its {@code event:} line, else its JSON data's {@code type}. */
  public static String typeOf(SseEvent event, JsonNode data) {
    return event.event() != null ? event.event() : data.path("type").asText("");
  }

  /** The failure of a stream whose event is not valid JSON. */
  public static UpstreamFailureException notJson(String provider, WireFormatException cause) {
    return new UpstreamFailureException(
        provider, "The provider sent an event that is not valid JSON.", true, cause);
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public T next() {
    T item;
    while ((item = pending.poll()) == null && !over) {
      try {
        readEvent();
      } catch (RuntimeException e) {
        over = true;
        response.abort();
        throw e;
      }
    }
    return item;
  }

  /** Reads one event into what it gives; at the body's end, ends the stream. */
  private void readEvent() {
    E event = events.next();
    if (event == null) {
      over = true;
      if (!translator.finished()) {
        throw new UpstreamFailureException(
            provider, "The provider's stream ended before it was complete.", true, null);
      }
      response.close();
      translator.end(toPending);
      return;
    }
    translator.translate(event, toPending);
    if (translator.endsAtTerminalEvent() && translator.finished()) {
      over = true;
      response.close();
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
