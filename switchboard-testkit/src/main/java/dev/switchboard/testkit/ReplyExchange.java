package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request answered with a {@link Reply}, a JSON body or a server-sent event stream, with the
 * request's {@link Fault} played on it as the fault documents: what {@link FakeOpenAi} and {@link
 * FakeAnthropic} share. A subclass gives its provider's headers, event framing, in-band error event
 * and end of stream.
 */
abstract class ReplyExchange extends Exchange {
  static final ObjectMapper JSON = new ObjectMapper();

  /** The fake's answer to the request. */
  @FunctionalInterface
  interface Answer {
    /**
     * The reply to the request; with {@code error}, the provider's error answer for its status
     * instead of a successful one.
     */
    Reply reply(Fault.Status error);
  }

  ReplyExchange(Request request, Response response, Callback callback, StreamCounters streams) {
    super(request, response, callback, streams);
  }

  /** Frames one event of a stream, whose JSON (perhaps made malformed) is {@code data}. */
  abstract byte[] frame(JsonNode event, byte[] data) throws IOException;

  /** The provider's in-band error event for {@code error}, framed; the stream ends after it. */
  abstract byte[] errorEvent(Fault.StreamError error) throws IOException;

  /**
   * What ends a complete stream after its last event, e.g. {@code data: [DONE]}; {@code null} when
   * the last event ends it.
   */
  abstract byte[] endOfStream();

  /** Adds the headers the provider sends on a stream only; none by default. */
  void addStreamHeaders(HttpFields.Mutable headers) {}

  /**
   * Whether {@link Fault.StreamError} turns this JSON reply, which is not a stream, into the error
   * status.
   */
  abstract boolean streamErrorReplaces(Reply.Json json);

  /** Answers with {@code answer}'s reply, {@code fault} (or none, {@code null}) played on it. */
  final void play(Fault fault, Answer answer) throws IOException {
    switch (fault) {
      case null -> send(answer.reply(null), null);
      case Fault.ResetConnection reset -> resetConnection();
      case Fault.SlowFirstByte slow -> {
        sleep(slow.delay());
        send(answer.reply(null), slow);
      }
      case Fault.Status status -> send(answer.reply(status), status);
      case Fault.StreamError error -> {
        Reply reply = answer.reply(null);
        if (reply instanceof Reply.Json json && streamErrorReplaces(json)) {
          reply = answer.reply(new Fault.Status(error.status(), Map.of()));
        }
        send(reply, error);
      }
      case Fault.CutStreamAfter cut -> send(answer.reply(null), cut);
      case Fault.MalformedBody malformed -> send(answer.reply(null), malformed);
      case Fault.ChunkDelay delay -> send(answer.reply(null), delay);
      case Fault.StreamStall stall -> send(answer.reply(null), stall);
      case Fault.Verbatim verbatim -> {
        writeHeaders(
            verbatim.status(),
            new org.eclipse.jetty.http.HttpField(
                org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, verbatim.contentType()),
            Map.of());
        sendBody(verbatim.body(), false);
      }
    }
  }

  /**
   * Sends {@code reply}, changed by {@code fault}: cut, malformed or slowed. A {@code null} fault,
   * or one that does not touch delivery, sends it as it is.
   */
  private void send(Reply reply, Fault fault) throws IOException {
    switch (reply) {
      case Reply.Json json -> sendJson(json, fault);
      case Reply.EventStream stream -> sendEvents(stream, fault);
    }
  }

  private void sendJson(Reply.Json json, Fault fault) throws IOException {
    byte[] body = JSON.writeValueAsBytes(json.body());
    int status = json.status();
    if (fault instanceof Fault.MalformedBody) {
      status = 200;
      body = Arrays.copyOf(body, body.length / 2);
    }
    writeHeaders(status, JSON_TYPE, json.headers());
    sendBody(body, fault instanceof Fault.CutStreamAfter);
  }

  /**
   * Commits the headers at once, as providers do before the first event, then sends each event,
   * waiting between them for {@link Fault.ChunkDelay}.
   */
  private void sendEvents(Reply.EventStream stream, Fault fault) {
    writeHeaders(200, EVENT_STREAM_TYPE, Map.of());
    addStreamHeaders(headers());
    stream(() -> {
      commitHeaders();
      List<JsonNode> events = stream.events();
      byte[] end = endOfStream();
      int sent = 0;
      for (JsonNode event : events) {
        if (fault instanceof Fault.CutStreamAfter cut && sent == cut.chunks()) {
          cutConnection();
          return;
        }
        if (fault instanceof Fault.StreamError error && sent == error.afterEvents()) {
          sendErrorEvent(error);
          return;
        }
        if (sent > 0) {
          pause(fault, sent);
        }
        byte[] data = JSON.writeValueAsBytes(event);
        if (sent == 0 && fault instanceof Fault.MalformedBody) {
          data = Arrays.copyOf(data, data.length / 2);
        }
        boolean last =
            end == null
                && sent == events.size() - 1
                && !(fault instanceof Fault.CutStreamAfter)
                && !(fault instanceof Fault.StreamError);
        write(frame(event, data), last);
        sent++;
      }
      if (fault instanceof Fault.CutStreamAfter) {
        cutConnection();
        return;
      }
      if (fault instanceof Fault.StreamError error) {
        sendErrorEvent(error); // the stream was shorter than the events to let through
        return;
      }
      if (end != null) {
        pause(fault, sent);
        write(end, true);
      }
      succeeded();
    });
  }

  private void sendErrorEvent(Fault.StreamError error) throws IOException {
    write(errorEvent(error), true);
    succeeded();
  }

  /** Waits before the event after the first {@code sent}, as {@code fault} says. */
  private void pause(Fault fault, int sent) throws IOException {
    if (fault instanceof Fault.ChunkDelay delay) {
      sleep(delay.delay());
    } else if (fault instanceof Fault.StreamStall stall && sent == stall.afterEvents()) {
      sleep(stall.delay());
    }
  }
}
