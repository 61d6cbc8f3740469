package dev.switchboard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * One chat completion, sent to one target and timed from the send to the last byte of the answer,
 * which is always read whole. Thread-safe: the request is immutable and shared by the workers.
 */
final class ChatCall {
  /** Bounds a hung request, so that a run always ends. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private static final String LAST_EVENT = "data: [DONE]";

  private final HttpRequest request;
  private final ResponseFormat format;

  ChatCall(Target target, ResponseFormat format) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(target.chatCompletions())
            .timeout(REQUEST_TIMEOUT)
            .header("content-type", "application/json")
            // What OpenAI's SDKs send; an nginx upstream (bench/load.sh) answers by it, as it
            // cannot read the body's "stream".
            .header("accept", format.accept())
            // Both targets get the same key, so the provider does the same work either way.
            .header("authorization", "Bearer sk-bench-not-a-real-key")
            .POST(HttpRequest.BodyPublishers.ofString(format.requestBody()));
    for (Map.Entry<String, String> header : target.headers().entrySet()) {
      builder.header(header.getKey(), header.getValue());
    }
    this.request = builder.build();
    this.format = format;
  }

  /**
   * Sends the request and reads the answer whole.
   *
   * @throws IOException when the call fails or the answer is not a complete, successful one
   */
  Sample send(HttpClient client) throws IOException, InterruptedException {
    return switch (format) {
      case JSON -> sendForJson(client);
      case SSE -> sendForEvents(client);
    };
  }

  private Sample sendForJson(HttpClient client) throws IOException, InterruptedException {
    long sent = System.nanoTime();
    HttpResponse<String> response = client.send(request, BodyHandlers.ofString());
    long elapsed = System.nanoTime() - sent;
    if (response.statusCode() != 200) {
      throw unexpected(response.statusCode(), response.body());
    }
    if (!response.body().contains("\"choices\"")) {
      throw unexpected(200, response.body());
    }
    return new Sample(elapsed, elapsed);
  }

  private Sample sendForEvents(HttpClient client) throws IOException, InterruptedException {
    long sent = System.nanoTime();
    HttpResponse<InputStream> response = client.send(request, BodyHandlers.ofInputStream());
    try (BufferedReader body =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        throw unexpected(response.statusCode(), body.readLine());
      }
      long firstEvent = -1;
      String lastLine = "";
      for (String line = body.readLine(); line != null; line = body.readLine()) {
        if (firstEvent < 0 && line.startsWith("data:")) {
          firstEvent = System.nanoTime() - sent;
        }
        if (!line.isEmpty()) {
          lastLine = line;
        }
      }
      long elapsed = System.nanoTime() - sent;
      if (!lastLine.equals(LAST_EVENT)) {
        throw new IOException("the stream did not end with " + LAST_EVENT + ": " + lastLine);
      }
      return new Sample(elapsed, firstEvent);
    }
  }

  /**
   * Sends a streamed request and leaves mid-stream, as a user who presses stop: reads the answer's
   * first {@code events} data events, then closes the body, which closes the connection (HTTP/1.1
   * cannot reuse a connection whose answer was not read to its end).
   *
   * @throws IOException when the call fails, or the answer is not a stream of at least that many
   *     events before its end
   */
  void sendAndLeave(HttpClient client, int events) throws IOException, InterruptedException {
    if (format != ResponseFormat.SSE) {
      throw new IllegalStateException("only a stream can be left mid-way");
    }
    HttpResponse<InputStream> response = client.send(request, BodyHandlers.ofInputStream());
    try (BufferedReader body =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        throw unexpected(response.statusCode(), body.readLine());
      }
      int read = 0;
      for (String line = body.readLine(); read < events; line = body.readLine()) {
        if (line == null || line.equals(LAST_EVENT)) {
          throw new IOException(
              "the stream ended after " + read + " events, before the client was to leave");
        }
        if (line.startsWith("data:")) {
          read++;
        }
      }
    }
  }

  private static IOException unexpected(int status, String body) {
    String excerpt = body == null ? "" : body.length() > 200 ? body.substring(0, 200) + "…" : body;
    return new IOException("HTTP " + status + ": " + excerpt);
  }

  /**
   * The timings of one successful call, in nanoseconds from the send.
   *
   * @param total until the last byte of the answer
   * @param firstEvent until the first {@code data:} line of a stream (for JSON, the same as total)
   */
  record Sample(long total, long firstEvent) {}
}
