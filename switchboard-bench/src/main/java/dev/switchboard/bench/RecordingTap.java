package dev.switchboard.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testkit.ReplayFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * A loopback relay between the gateway and a provider, for {@link FixtureRecorder}: the gateway's
 * provider base URL points here, and each request is sent on to the provider's own base URL as it
 * came (only the hop's headers dropped; Bedrock's re-signed for the provider's host, by {@code
 * resign}), and the answer's status, headers and body bytes are handed back unchanged. Both sides
 * of the last exchange are kept for the recorder.
 */
final class RecordingTap implements AutoCloseable {
  /** Headers of a hop, which the relay's own client and server set. */
  private static final Set<String> HOP_HEADERS =
      Set.of(
          "host",
          "connection",
          "content-length",
          "transfer-encoding",
          "keep-alive",
          "upgrade",
          "expect",
          "te",
          "trailer",
          "proxy-connection",
          "http2-settings");

  /** One request relayed and its answer. */
  record Relayed(ReplayFixture.ProviderRequest request, ReplayFixture.ProviderResponse response) {}

  /** Re-signs a request for the provider's host: its method, URI, headers and body to headers. */
  @FunctionalInterface
  interface Resigner {
    Map<String, String> resign(String method, URI uri, Map<String, String> headers, byte[] body);
  }

  private final URI upstream;
  private final Resigner resigner;
  private final HttpServer server;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final List<Relayed> relayed = new ArrayList<>();

  private RecordingTap(URI upstream, Resigner resigner) throws IOException {
    this.upstream = upstream;
    this.resigner = resigner;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::relay);
  }

  /**
   * Starts a relay to {@code upstream} (a base URL; its path is the provider's and the gateway's
   * base URL keeps it); {@code resigner}, or {@code null}, re-signs each request for its host.
   */
  static RecordingTap start(URI upstream, Resigner resigner) throws IOException {
    RecordingTap tap = new RecordingTap(upstream, resigner);
    tap.server.start();
    return tap;
  }

  /** The base URL the gateway should call: this relay with the provider's base path. */
  URI baseUrl() {
    String path = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** The exchanges relayed since the last call, oldest first, and forgets them. */
  synchronized List<Relayed> drain() {
    List<Relayed> all = List.copyOf(relayed);
    relayed.clear();
    return all;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void relay(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      String pathAndQuery = exchange.getRequestURI().getRawPath();
      if (exchange.getRequestURI().getRawQuery() != null) {
        pathAndQuery += "?" + exchange.getRequestURI().getRawQuery();
      }
      URI target =
          URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority() + pathAndQuery);
      Map<String, String> received = new LinkedHashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
              received.put(name.toLowerCase(Locale.ROOT), String.join(", ", values));
            }
          });
      Map<String, String> headers =
          resigner == null
              ? received
              : resigner.resign(exchange.getRequestMethod(), target, received, body);
      HttpRequest.Builder request =
          HttpRequest.newBuilder(target)
              .timeout(Duration.ofMinutes(2))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      headers.forEach(request::header);
      HttpResponse<byte[]> answer;
      try {
        answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      Map<String, String> answerHeaders = new LinkedHashMap<>();
      answer
          .headers()
          .map()
          .forEach((name, values) -> {
            if (!name.startsWith(":") && !HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
              answerHeaders.put(name.toLowerCase(Locale.ROOT), String.join(", ", values));
              values.forEach(value -> exchange.getResponseHeaders().add(name, value));
            }
          });
      synchronized (this) {
        relayed.add(
            new Relayed(
                new ReplayFixture.ProviderRequest(
                    exchange.getRequestMethod(), pathAndQuery, headers, ReplayFixture.bodyOf(body)),
                new ReplayFixture.ProviderResponse(
                    answer.statusCode(), answerHeaders, answer.body())));
      }
      byte[] bytes = answer.body();
      exchange.sendResponseHeaders(answer.statusCode(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
