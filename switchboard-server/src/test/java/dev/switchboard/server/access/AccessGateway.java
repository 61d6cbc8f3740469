package dev.switchboard.server.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A real gateway server on an ephemeral loopback port with the access layer on (as the settings
 * say), and a plain HTTP client to talk to it and to its admin API.
 */
final class AccessGateway implements AutoCloseable {
  final SwitchboardServer server;
  final String adminToken;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private AccessGateway(SwitchboardServer server, String adminToken) {
    this.server = server;
    this.adminToken = adminToken;
  }

  /** What a test's gateway runs with. */
  record Options(
      AccessSettings access,
      String adminToken,
      PriceTable prices,
      ObservabilitySettings observability,
      Map<String, String> providerBaseUrls,
      Integer adminPort) {
    static Options of(AccessSettings access, String adminToken) {
      return new Options(
          access,
          adminToken,
          PriceTable.shipped(),
          ObservabilitySettings.defaults().withLogsEnabled(false),
          Map.of(),
          null);
    }

    /** The admin API, logs and metrics on a port of their own (0: any free one). */
    Options withAdminPort(Integer port) {
      return new Options(access, adminToken, prices, observability, providerBaseUrls, port);
    }

    Options withPrices(PriceTable table) {
      return new Options(access, adminToken, table, observability, providerBaseUrls, adminPort);
    }

    Options withObservability(ObservabilitySettings settings) {
      return new Options(access, adminToken, prices, settings, providerBaseUrls, adminPort);
    }

    Options withProviderBaseUrls(Map<String, String> urls) {
      return new Options(access, adminToken, prices, observability, urls, adminPort);
    }
  }

  static AccessGateway start(Options options) {
    return start(options, gateway -> {});
  }

  /** A gateway whose engine settings {@code engine} adds to (saved configs, trusted hosts, …). */
  static AccessGateway start(
      Options options, java.util.function.Consumer<GatewaySettings.Builder> engine) {
    GatewaySettings.Builder gateway = GatewaySettings.builder().prices(options.prices());
    engine.accept(gateway);
    options
        .providerBaseUrls()
        .forEach((name, url) -> gateway.providerBaseUrl(name, URI.create(url)));
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                gateway.build())
            .withObservability(options.observability())
            .withAdminToken(options.adminToken())
            .withAccess(options.access())
            .withAdminPort(options.adminPort());
    return new AccessGateway(SwitchboardServer.start(settings), options.adminToken());
  }

  int port() {
    return server.port();
  }

  URI uri(String path) {
    return server.baseUri().resolve(path);
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    return sendAt(server.baseUri(), method, path, body, headers);
  }

  /** A call with a body of raw bytes and its content type (or none, when {@code null}). */
  HttpResponse<String> sendBytes(
      String method, String path, byte[] body, String contentType, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request, method, path);
  }

  /** A call to the port that serves the admin API, logs and metrics (the main one by default). */
  HttpResponse<String> sendToAdminPort(String method, String path, String body, String... headers) {
    return sendAt(server.adminUri(), method, path, body, headers);
  }

  private HttpResponse<String> sendAt(
      URI base, String method, String path, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request, method, path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String method, String path) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("the gateway did not answer " + method + " " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A call to the admin API with the admin token. */
  HttpResponse<String> admin(String method, String path, String body) {
    return sendToAdminPort(method, path, body, "authorization", "Bearer " + adminToken);
  }

  /** Creates a workspace as the admin; fails the test if the admin API refuses. */
  void createWorkspace(String id, String limitsJson) {
    String body =
        "{\"id\":\""
            + id
            + "\",\"name\":\""
            + id
            + "\""
            + (limitsJson == null ? "" : ",\"limits\":" + limitsJson)
            + "}";
    expect2xx(admin("POST", "/v1/admin/workspaces", body), "create workspace " + id);
  }

  /** A key just created: its id, its secret and the answer that showed it. */
  record CreatedKey(String id, String secret, String answer) {}

  /**
   * Creates a key as the admin.
   *
   * @param scopesJson the {@code scopes} object, or null for any
   * @param limitsJson the {@code limits} object, or null for none
   */
  CreatedKey createKey(String workspace, String name, String scopesJson, String limitsJson) {
    String body =
        "{\"workspace\":\""
            + workspace
            + "\",\"name\":\""
            + name
            + "\""
            + (scopesJson == null ? "" : ",\"scopes\":" + scopesJson)
            + (limitsJson == null ? "" : ",\"limits\":" + limitsJson)
            + "}";
    HttpResponse<String> answer = admin("POST", "/v1/admin/keys", body);
    expect2xx(answer, "create key " + name);
    JsonNode json = WireJson.tree(answer.body());
    return new CreatedKey(json.path("id").asText(), json.path("key").asText(), answer.body());
  }

  /** Creates a virtual key holding {@code apiKey} for {@code provider}, as the admin. */
  HttpResponse<String> createVirtualKey(
      String workspace, String slug, String provider, String apiKey, String limitsJson) {
    String body =
        "{\"workspace\":\""
            + workspace
            + "\",\"slug\":\""
            + slug
            + "\",\"provider\":\""
            + provider
            + "\",\"credentials\":{\"api_key\":\""
            + apiKey
            + "\"}"
            + (limitsJson == null ? "" : ",\"limits\":" + limitsJson)
            + "}";
    HttpResponse<String> answer = admin("POST", "/v1/admin/virtual-keys", body);
    expect2xx(answer, "create virtual key " + slug);
    return answer;
  }

  static void expect2xx(HttpResponse<String> answer, String what) {
    if (answer.statusCode() / 100 != 2) {
      throw new AssertionError(
          what + ": the admin API answered " + answer.statusCode() + " " + answer.body());
    }
  }

  /** Waits (at most 10 s) until the request log has written every record it accepted. */
  void awaitRequestLog() throws InterruptedException {
    var log = server.observability().requestLog();
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      var statistics = log.statistics();
      if (statistics.queued() == 0
          && statistics.writing() == 0
          && statistics.written() + statistics.dropped() >= statistics.accepted()) {
        return;
      }
      Thread.sleep(50);
    }
  }

  /**
   * The request log's record of the request with this trace id, as the admin API shows it, once it
   * was written (at most 10 s); fails the test if none comes.
   */
  JsonNode awaitRecord(String trace) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> page = admin("GET", "/v1/logs?trace_id=" + trace, null);
      if (page.statusCode() != 200) {
        throw new AssertionError("the logs API answered " + page.statusCode() + " " + page.body());
      }
      JsonNode records = WireJson.tree(page.body()).path("data");
      if (records.size() > 0) {
        return records.get(0);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no record of trace " + trace + " after 10 s");
      }
      Thread.sleep(25);
    }
  }

  /**
   * A key's usage ({@code GET /v1/admin/usage}) once nothing is reserved any more: its requests
   * were settled (at most 10 s).
   */
  JsonNode awaitSettled(String keyId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> answer = admin("GET", "/v1/admin/usage?subject=key:" + keyId, null);
      expect2xx(answer, "read the usage of key " + keyId);
      JsonNode usage = WireJson.tree(answer.body());
      if (usage.findValue("reserved_tokens").asLong() == 0) {
        return usage;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("key " + keyId + " still has a reservation: " + usage);
      }
      Thread.sleep(25);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
