package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** Plain HTTP/1.1 calls to a fake, for what an SDK would hide: bytes, headers, framing. */
final class RawHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String origin;

  RawHttp(FakeOpenAi fake) {
    this.origin = fake.origin();
  }

  HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(origin + path));
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(
        request(path)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<InputStream> open(String path, String body)
      throws IOException, InterruptedException {
    return client.send(
        request(path)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }

  /** The {@code data:} payloads of a server-sent event stream, in order. */
  static List<String> dataEvents(String body) {
    return body.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode json(HttpResponse<String> response) {
    return json(response.body());
  }
}
