package dev.switchboard.server.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.server.OtlpReceiver;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A gateway with keys required, a vault, a fast-flushing request log and an {@code mcp} section,
 * for the MCP governance tests: its keys, its clients (the MCP Java SDK's), its admin reads.
 */
final class McpHarness implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final String adminToken = "admin-" + UUID.randomUUID();
  final SwitchboardServer gateway;

  /**
   * Starts a gateway whose {@code mcp} section is {@code mcp}, with a virtual key {@code web-token}
   * holding {@code upstreamToken}.
   */
  McpHarness(Path data, ObjectNode mcp, String upstreamToken) throws Exception {
    this(data, mcp, upstreamToken, Map.of());
  }

  /**
   * Starts the same gateway exporting its traces to {@code collector}, in batches every 50 ms (the
   * OpenTelemetry SDK reads its settings from system properties when the gateway starts).
   */
  static McpHarness tracedTo(
      OtlpReceiver collector, Path data, ObjectNode mcp, String upstreamToken) throws Exception {
    System.setProperty("otel.exporter.otlp.endpoint", collector.endpoint());
    System.setProperty("otel.bsp.schedule.delay", "50");
    try {
      return new McpHarness(data, mcp, upstreamToken);
    } finally {
      System.clearProperty("otel.exporter.otlp.endpoint");
      System.clearProperty("otel.bsp.schedule.delay");
    }
  }

  /** The same, with {@code more} settings ({@code name: value}) besides. */
  McpHarness(Path data, ObjectNode mcp, String upstreamToken, Map<String, String> more)
      throws Exception {
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("admin.token", adminToken);
    settings.put("access.directory", data.resolve("access").toString());
    settings.put("responses.enabled", false);
    settings.put("access.require-keys", true);
    settings.put("access.master-key", Base64.getEncoder().encodeToString(masterKey));
    settings.put("logs.directory", data.resolve("logs").toString());
    settings.put("logs.flush-interval", "20ms");
    settings.set("mcp", mcp);
    more.forEach(settings::put);
    gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    gateway
        .access()
        .admin()
        .createVirtualKey(
            Principal.ADMIN,
            new AccessAdmin.VirtualKeyRequest(
                "default",
                "web-token",
                "openai",
                Map.of("api_key", upstreamToken),
                dev.switchboard.access.Limits.NONE));
    // A per-user server has no session of the gateway's own: one per caller, made at its calls.
    awaitTrue(
        () ->
            gateway.mcp().states().values().stream()
                .allMatch(state ->
                    state.connected() || gateway.mcp().authorization().perUser(state.name())),
        "every upstream server connected");
  }

  /** A gateway key with the permission {@code mcp} and this MCP scope ({@code null}: all). */
  String key(Set<String> mcpScope) {
    KeyScopes scopes = new KeyScopes(Set.of(Permission.MCP), null, null, null, null, mcpScope);
    return gateway
        .access()
        .admin()
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest("default", "mcp-" + UUID.randomUUID(), scopes, null, null))
        .secret();
  }

  /** The SDK's client, initialized, on {@code path} with {@code key}. */
  McpSyncClient client(String path, String key) {
    McpSyncClient client =
        McpClient.sync(
                HttpClientStreamableHttpTransport.builder(gateway.baseUri().toString())
                    .endpoint(path)
                    .httpRequestCustomizer((request, method, uri, body, context) ->
                        request.setHeader("Authorization", "Bearer " + key))
                    .build())
            .requestTimeout(Duration.ofSeconds(30))
            .build();
    client.initialize();
    return client;
  }

  static List<String> toolNames(McpSyncClient client) {
    return client.listTools().tools().stream().map(McpSchema.Tool::name).sorted().toList();
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  /** GET with the admin token: the body. */
  String adminGet(String path) {
    return adminGet(gateway, adminToken, path);
  }

  /** GET on {@code gateway} with its admin token: the body. */
  static String adminGet(SwitchboardServer gateway, String adminToken, String path) {
    try {
      HttpResponse<String> answer =
          HTTP.send(
              HttpRequest.newBuilder(gateway.baseUri().resolve(path))
                  .header("authorization", "Bearer " + adminToken)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return answer.body();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The request log's rows of {@code tool} of {@code server}, newest first. */
  List<JsonNode> logRows(String server, String tool) {
    return logRows(gateway, adminToken, server, tool);
  }

  /** The request log's rows of {@code tool} of {@code server} on {@code gateway}, newest first. */
  static List<JsonNode> logRows(
      SwitchboardServer gateway, String adminToken, String server, String tool) {
    try {
      JsonNode rows =
          JSON.readTree(adminGet(gateway, adminToken, "/v1/logs?limit=1000&provider=" + server));
      List<JsonNode> found = new ArrayList<>();
      rows.path("data")
          .forEach(row -> {
            if (tool.equals(row.path("model").asText())) {
              found.add(row);
            }
          });
      return found;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Everything the gateway shows of what it did, to search for a secret: the request log (search
   * and export), the analytics, the metrics, the servers' view, every log line {@code logs} caught
   * and every span {@code collector} received (raw and decoded).
   */
  List<String> everythingRecorded(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs,
      dev.switchboard.server.OtlpReceiver collector) {
    List<String> seen = new ArrayList<>();
    seen.add(adminGet("/v1/logs?limit=1000"));
    seen.add(adminGet("/v1/logs/export?format=jsonl"));
    seen.add(adminGet("/v1/analytics?group_by=mcp_tool"));
    seen.add(adminGet("/metrics"));
    seen.add(adminGet("/v1/admin/mcp/servers"));
    logs.list.forEach(event -> seen.add(event.getFormattedMessage()));
    collector
        .exports()
        .forEach(
            export -> seen.add(new String(export, java.nio.charset.StandardCharsets.ISO_8859_1)));
    collector.spans().forEach(span -> seen.add(span.toString()));
    return seen;
  }

  /**
   * A JSON-RPC message POSTed to {@code gateway}'s {@code /mcp} as a Streamable HTTP client sends
   * it, with {@code session} as its {@code Mcp-Session-Id} ({@code null}: none).
   */
  static HttpResponse<String> post(URI gateway, String session, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.resolve("/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      request.header("mcp-session-id", session);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits for a state the gateway reaches in the background (a connection, a written row). */
  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never reached: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    gateway.close();
  }
}
