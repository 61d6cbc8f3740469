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
 * A provider's stream: its events, from an {@link EventSource} (server-sent events, AWS's
 * event-stream frames), turned one at a time by its {@link Translator} into what the gateway
 * streams (OpenAI chunks, or the provider's own events checked). Every provider's stream follows
 * the same rules, written here once:
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
  private final EventSource<E> source;
  private final Translator<E, T> translator;
  private final ArrayDeque<T> pending = new ArrayDeque<>();
  private final Consumer<T> toPending = pending::add;
  private boolean over;

  /**
   * Where a provider's events come from, one at a time, as they came.
   *
   * @param <E> the event
   */
  public interface EventSource<E> extends AutoCloseable {
    /** The provider's response headers worth passing back to the client. */
    List<Map.Entry<String, String>> headers();

    /**
     * The next event, blocking until it arrives; {@code null} at the end of the body.
     *
     * @throws dev.switchboard.engine.errors.GatewayException when the body breaks off or holds
     *     something that is not an event
     */
    E next();

    /** Stops the call: the upstream connection is closed. */
    void abort();

    /** Releases the call; if it is not over, cancels it. */
    @Override
    void close();
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
     * Whether the stream is over as soon as its terminal event came (Anthropic's {@code
     * message_stop}, OpenAI's {@code [DONE]}); otherwise it is over at the body's end, which may
     * carry more events after the terminal one (Gemini's usage, ConverseStream's {@code metadata}).
     */
    boolean endsAtTerminalEvent();

    /**
     * Gives {@code out} what follows the last event of a complete stream that ends with its body;
     * nothing by default.
     */
    default void end(Consumer<? super T> out) {}
  }

  /**
   * @param provider the provider's name, for the failure of a stream that broke off
   */
  public TranslatedStream(String provider, EventSource<E> source, Translator<E, T> translator) {
    this.provider = provider;
    this.source = source;
    this.translator = translator;
  }

  /** The server-sent events of {@code response}, translated. */
  public static <T> TranslatedStream<SseEvent, T> ofSse(
      String provider, UpstreamResponse response, Translator<SseEvent, T> translator) {
    return new TranslatedStream<>(provider, new SseSource(response), translator);
  }

  /**
   * An event's data as JSON.
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

  /** The failure of a stream whose event is not valid JSON. */
  public static UpstreamFailureException notJson(String provider, WireFormatException cause) {
    return new UpstreamFailureException(
        provider, "The provider sent an event that is not valid JSON.", true, cause);
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return source.headers();
  }

  @Override
  public T next() {
    T item;
    while ((item = pending.poll()) == null) {
      if (over) {
        return null;
      }
      E event = read();
      if (event == null) {
        end();
        continue;
      }
      try {
        translator.translate(event, toPending);
      } catch (RuntimeException e) {
        over = true;
        source.abort();
        throw e;
      }
      if (translator.endsAtTerminalEvent() && translator.finished()) {
        over = true;
        source.close();
      }
    }
    return item;
  }

  private E read() {
    try {
      return source.next();
    } catch (RuntimeException e) {
      over = true;
      source.abort();
      throw e;
    }
  }

  /** The body ended: complete after the terminal event, else broken off. */
  private void end() {
    over = true;
    if (!translator.finished()) {
      source.abort();
      throw new UpstreamFailureException(
          provider, "The provider's stream ended before it was complete.", true, null);
    }
    source.close();
    translator.end(toPending);
  }

  @Override
  public void close() {
    over = true;
    source.close();
  }

  /** Server-sent events read from a response's body. */
  private static final class SseSource implements EventSource<SseEvent> {
    private final UpstreamResponse response;
    private final SseReader reader;

    SseSource(UpstreamResponse response) {
      this.response = response;
      this.reader = new SseReader(response.body());
    }

    @Override
    public List<Map.Entry<String, String>> headers() {
      return response.headers();
    }

    @Override
    public SseEvent next() {
      try {
        return reader.next();
      } catch (IOException e) {
        throw response.translate(e);
      }
    }

    @Override
    public void abort() {
      response.abort();
    }

    @Override
    public void close() {
      response.close();
    }
  }
}
