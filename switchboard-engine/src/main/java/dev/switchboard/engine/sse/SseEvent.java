package dev.switchboard.engine.sse;

/**
 * One server-sent event: its {@code event} type ({@code null} for the default "message"), its
 * {@code data} (lines joined with {@code \n}) and its {@code id}.
 */
public record SseEvent(String event, String data, String id) {

  /** A data-only event, as OpenAI-format streams send. */
  public static SseEvent data(String data) {
    return new SseEvent(null, data, null);
  }
}
