package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.wire.WireJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A gateway server on an ephemeral loopback port, and a plain HTTP client to talk to it. */
final class GatewayUnderTest implements AutoCloseable {
  final SwitchboardServer server;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private GatewayUnderTest(SwitchboardServer server) {
    this.server = server;
  }

  /** A gateway whose openai provider is the fake at {@code openAiBaseUrl} (or the default). */
  static GatewayUnderTest start(String openAiBaseUrl) {
    return start(openAiBaseUrl, settings -> settings);
  }

  static GatewayUnderTest start(String openAiBaseUrl, UnaryOperator<ServerSettings> customise) {
    GatewaySettings.Builder gateway = GatewaySettings.builder();
    if (openAiBaseUrl != null) {
      gateway.providerBaseUrl("openai", URI.create(openAiBaseUrl));
    }
    ServerSettings settings =
        new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            gateway.build());
    return new GatewayUnderTest(SwitchboardServer.start(customise.apply(settings)));
  }

  /** A gateway whose providers call these base URLs instead of their own, by provider name. */
  static GatewayUnderTest withProviders(java.util.Map<String, String> baseUrls) {
    GatewaySettings.Builder gateway = GatewaySettings.builder();
    baseUrls.forEach((provider, url) -> gateway.providerBaseUrl(provider, URI.create(url)));
    return new GatewayUnderTest(
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                gateway.build())));
  }

  /** A gateway with these engine settings, built with {@code engine} customising its builder. */
  static GatewayUnderTest withEngine(
      dev.switchboard.engine.GatewaySettings gatewaySettings,
      java.util.function.Consumer<dev.switchboard.engine.Gateway.Builder> engine) {
    ServerSettings settings =
        new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            gatewaySettings);
    return new GatewayUnderTest(SwitchboardServer.start(settings, engine));
  }

  /** A gateway with these server settings, built with {@code engine} customising its builder. */
  static GatewayUnderTest withSettings(
      ServerSettings settings,
      java.util.function.Consumer<dev.switchboard.engine.Gateway.Builder> engine) {
    return new GatewayUnderTest(SwitchboardServer.start(settings, engine));
  }

  /**
   * A gateway that keeps a request log as {@code observability} says (a store in a temporary
   * directory, or a PostgreSQL schema), with {@code customise} applied to its server settings and
   * {@code engine} to its engine's builder.
   */
  static GatewayUnderTest withRequestLog(
      dev.switchboard.observe.ObservabilitySettings observability,
      UnaryOperator<ServerSettings> customise,
      java.util.function.Consumer<dev.switchboard.engine.Gateway.Builder> engine) {
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder().build())
            .withObservability(observability);
    return new GatewayUnderTest(SwitchboardServer.start(customise.apply(settings), engine));
  }

  /**
   * A gateway whose request log is kept in {@code store}: {@code duckdb} (a file in {@code
   * directory}) or {@code postgresql} (a fresh schema of the test database).
   */
  static GatewayUnderTest withRequestLogIn(String store, java.nio.file.Path directory)
      throws Exception {
    dev.switchboard.observe.ObservabilitySettings settings =
        store.equals("postgresql")
            ? dev.switchboard.observe.ObservabilitySettings.defaults()
                .withStoreUrl(dev.switchboard.testkit.TestPostgres.freshSchemaUrl())
            : dev.switchboard.observe.ObservabilitySettings.defaults().withDataDirectory(directory);
    return withRequestLog(settings, s -> s, engine -> {});
  }

  /** Waits (up to 30 s) until the request log has written {@code count} records. */
  void awaitLogged(long count) throws InterruptedException {
    java.time.Instant deadline = java.time.Instant.now().plus(Duration.ofSeconds(30));
    while (server.observability().requestLog().statistics().written() < count) {
      if (java.time.Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "the request log wrote " + server.observability().requestLog().statistics());
      }
      Thread.sleep(20);
    }
  }

  URI uri(String path) {
    return server.baseUri().resolve(path);
  }

  HttpRequest.Builder post(String path, String json, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return request;
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("the gateway did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A request of any method with a JSON body ({@code null}: none) and these headers. */
  HttpResponse<String> sendJson(String method, String path, String json, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .method(
                method,
                json == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  HttpResponse<String> postJson(String path, String json, String... headers) {
    return send(post(path, json, headers));
  }

  HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.GET());
  }

  HttpResponse<InputStream> open(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new AssertionError("the gateway did not answer: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The {@code data:} payloads of an SSE body, in order, {@code [DONE]} included. */
  static List<String> sseData(String body) {
    List<String> data = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(
                new java.io.ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("data: ")) {
          data.add(line.substring(6));
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return data;
  }

  static JsonNode json(HttpResponse<String> response) {
    return WireJson.tree(response.body());
  }

  @Override
  public void close() {
    server.close();
  }
}
