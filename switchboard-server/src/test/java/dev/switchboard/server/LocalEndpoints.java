package dev.switchboard.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The endpoints guardrail checks call, on loopback: webhooks that pass, fail, break or hang, a log
 * sink, a JWKS and a page that answers {@code HEAD}. Records what the webhooks received.
 */
final class LocalEndpoints implements AutoCloseable {
  private final HttpServer server;
  final List<String> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch released = new CountDownLatch(1);
  volatile String jwks = "{\"keys\":[]}";

  private LocalEndpoints(HttpServer server) {
    this.server = server;
  }

  static LocalEndpoints start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      LocalEndpoints endpoints = new LocalEndpoints(server);
      server.createContext("/", endpoints::handle);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.start();
      return endpoints;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith("/webhook") || path.equals("/log")) {
        received.add(body);
      }
      switch (path) {
        case "/webhook/pass" ->
            json(exchange, 200, "{\"verdict\":true,\"data\":{\"reason\":\"ok\"}}");
        case "/webhook/fail" -> json(exchange, 200, "{\"verdict\":false}");
        case "/webhook/error" -> json(exchange, 500, "{\"error\":\"broken\"}");
        case "/webhook/redact" ->
            json(
                exchange,
                200,
                "{\"verdict\":true,\"transformedData\":{\"request\":{\"json\":{\"model\":\"gpt-4o-mini\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"rewritten by webhook\"}]}}}}");
        case "/webhook/hang" -> {
          try {
            released.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          json(exchange, 200, "{\"verdict\":true}");
        }
        case "/log" -> json(exchange, 200, "{}");
        case "/jwks" -> json(exchange, 200, jwks);
        case "/ok" -> {
          exchange.sendResponseHeaders(200, -1);
        }
        default -> json(exchange, 404, "{}");
      }
    }
  }

  private static void json(HttpExchange exchange, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
  }
}
