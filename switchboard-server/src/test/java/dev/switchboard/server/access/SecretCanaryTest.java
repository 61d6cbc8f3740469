package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.tracing.TracingMode;
import dev.switchboard.server.OtlpReceiver;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Canary secrets (a provider key sent as {@code Authorization}, a virtual key's provider key, the
 * gateway keys, the admin token and the master key) are planted, the gateway's whole surface is
 * driven (successes, every kind of failure, streams, the admin API, the request log with {@code
 * log_bodies}, metrics, traces), and every place a secret could leak to is searched for every
 * encoding of every canary: every log line of the JVM, every row of the request log (exported over
 * HTTP and read from its file), the metrics scrape, every span exported over OTLP, every answer
 * received (bodies and headers) and thread dumps. Only the admin API's answer that creates (or
 * rotates) a key may show that key's secret; exactly those answers are left out, for that secret
 * only.
 */
class SecretCanaryTest {
  static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path data;

  /** Text found in one place, and the secret it may hold (its creation answer), or null. */
  record Seen(String place, String text, String mayHold) {}

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final Map<String, String> canaries = new LinkedHashMap<>();

  @Test
  void noCanaryInAnyEncodingLeavesTheGatewayAnywhere() throws Exception {
    long started = System.nanoTime();
    String providerKey = "sk-canary-provider-" + random(18);
    String virtualKeySecret = "sk-canary-virtual-" + random(18);
    String rotatedVirtualKeySecret = "sk-canary-virtual-rotated-" + random(18);
    String adminToken = "sbadm-canary-" + random(24);
    String masterKey = Base64.getEncoder().encodeToString(bytes(32));
    canaries.put("provider key (Authorization)", providerKey);
    canaries.put("virtual key's provider key", virtualKeySecret);
    canaries.put("virtual key's rotated provider key", rotatedVirtualKeySecret);
    canaries.put("admin token", adminToken);
    canaries.put("master key", masterKey);

    OtlpReceiver collector = OtlpReceiver.start();
    List<byte[]> exports = collector.exports();

    AccessSettings access =
        new AccessSettings(
            true,
            AccessSettings.EMBEDDED,
            data.resolve("access"),
            true,
            masterKey,
            null,
            List.of(),
            null,
            null,
            null,
            null);
    String jcmdDump;
    String inProcessDump;
    String hotspotDump;
    List<RecordedRequest> upstream;
    try (CapturedLogs logs = CapturedLogs.capture();
        FakeOpenAi openAi = FakeOpenAi.start()) {
      AccessGateway gateway;
      System.setProperty("otel.exporter.otlp.endpoint", collector.endpoint());
      try {
        gateway =
            AccessGateway.start(
                AccessGateway.Options.of(access, adminToken)
                    .withObservability(
                        ObservabilitySettings.defaults()
                            .withDataDirectory(data.resolve("logs"))
                            .withTracing(TracingMode.AUTO))
                    .withProviderBaseUrls(Map.of("openai", openAi.baseUrl())));
      } finally {
        System.clearProperty("otel.exporter.otlp.endpoint");
      }
      try (gateway) {
        drive(gateway, openAi, providerKey, virtualKeySecret, rotatedVirtualKeySecret);
        gateway.awaitRequestLog();
        seen(
            "request log export (jsonl)",
            gateway.admin("GET", "/v1/logs/export?format=jsonl", null));
        seen("request log search", gateway.admin("GET", "/v1/logs?limit=1000", null));
        seen("metrics scrape", gateway.admin("GET", "/metrics", null));
        // The dumps are taken while a stream through the virtual key is in flight, its chunks
        // slowed, so the request's threads (gateway and upstream) are in them.
        openAi.enqueue(Fault.chunkDelay(Duration.ofMillis(150)));
        HttpResponse<InputStream> inFlight =
            gateway
                .http
                .sendAsync(
                    HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                        .header("content-type", "application/json")
                        .header("authorization", "Bearer " + gatewayKeyForStream)
                        .header("x-portkey-virtual-key", "canary-vk")
                        .POST(
                            HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":"
                                    + "[{\"role\":\"user\",\"content\":\"a slow stream\"}]}"))
                        .build(),
                    HttpResponse.BodyHandlers.ofInputStream())
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        inProcessDump = ThreadDumps.inProcess();
        hotspotDump = ThreadDumps.hotspot();
        hotspotDumpLength = hotspotDump.length();
        jcmdDump = ThreadDumps.jcmd(ProcessHandle.current().pid());
        try (InputStream body = inFlight.body()) {
          seen.add(
              new Seen(
                  "slow stream, virtual key -> " + inFlight.statusCode(),
                  inFlight.headers().map()
                      + "\n"
                      + new String(body.readAllBytes(), StandardCharsets.UTF_8),
                  null));
        }
        upstream = openAi.requests();
      }
      seen.add(new Seen("log lines", String.join("\n", logs.lines()), null));
      logLineCount = logs.lines().size();
    } finally {
      collector.close();
    }
    seen.add(new Seen("thread dump (Thread.getAllStackTraces)", inProcessDump, null));
    seen.add(new Seen("thread dump (jcmd Thread.print)", jcmdDump, null));
    seen.add(new Seen("thread dump (HotSpot dumpThreads, virtual threads too)", hotspotDump, null));
    seen.add(new Seen("request log store (DuckDB file, every row)", duckDbRows(), null));
    accessStoreRows = accessStoreRows(access.jdbcUrl());
    seen.add(new Seen("traces (OTLP export, decoded spans)", spans(exports), null));
    seen.add(new Seen("traces (OTLP export, raw bytes)", raw(exports), null));

    report(upstream, jcmdDump, started);
  }

  int logLineCount;
  String gatewayKeyForStream;
  int hotspotDumpLength;

  // --- driving the surface ------------------------------------------------------------------

  void drive(
      AccessGateway gateway,
      FakeOpenAi openAi,
      String providerKey,
      String virtualKeySecret,
      String rotatedVirtualKeySecret) {
    String chat =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"canary run\"}],"
            + "\"max_tokens\":16}";
    String stream = chat.replace("\"max_tokens\":16", "\"max_tokens\":16,\"stream\":true");
    String logBodies = "{\"provider\":\"openai\",\"log_bodies\":true}";

    gateway.createWorkspace("ws-canary", null);
    gateway.createWorkspace("ws-other", null);
    String all =
        "{\"permissions\":[\"completions\",\"embeddings\",\"models\",\"passthrough\",\"feedback\","
            + "\"keys.manage\",\"virtual_keys.manage\",\"usage.read\"]}";
    AccessGateway.CreatedKey key = createKey(gateway, "ws-canary", "main", all, null);
    AccessGateway.CreatedKey other = createKey(gateway, "ws-other", "other", all, null);
    AccessGateway.CreatedKey narrow =
        createKey(gateway, "ws-canary", "narrow", "{\"permissions\":[\"embeddings\"]}", null);
    AccessGateway.CreatedKey slow =
        createKey(
            gateway,
            "ws-canary",
            "one-a-minute",
            "{\"permissions\":[\"completions\"]}",
            "{\"requests_per_minute\":1}");
    AccessGateway.CreatedKey poor =
        createKey(
            gateway,
            "ws-canary",
            "poor",
            "{\"permissions\":[\"completions\"]}",
            "{\"budget\":{\"cost_usd\":\"0.0000001\",\"period\":\"month\"}}");
    AccessGateway.CreatedKey doomed =
        createKey(gateway, "ws-canary", "doomed", "{\"permissions\":[\"completions\"]}", null);
    seen(
        "admin: create virtual key",
        gateway.createVirtualKey("ws-canary", "canary-vk", "openai", virtualKeySecret, null));

    gatewayKeyForStream = key.secret();
    String[] asKey = {"x-portkey-api-key", key.secret()};
    String[] provider = {"x-portkey-provider", "openai", "authorization", "Bearer " + providerKey};
    String[] viaVirtualKey = {
      "authorization", "Bearer " + key.secret(), "x-portkey-virtual-key", "canary-vk"
    };

    // Successes: a provider key, a virtual key, whole and streamed, bodies logged.
    seen(
        "chat, provider key",
        gateway.send("POST", "/v1/chat/completions", chat, join(asKey, provider)));
    seen(
        "chat, provider key, log_bodies",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(asKey, provider, new String[] {"x-portkey-config", logBodies})));
    seen(
        "stream, provider key",
        gateway.send("POST", "/v1/chat/completions", stream, join(asKey, provider)));
    seen("chat, virtual key", gateway.send("POST", "/v1/chat/completions", chat, viaVirtualKey));
    seen(
        "chat, virtual key in a config, log_bodies",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            "x-portkey-api-key",
            key.secret(),
            "x-portkey-config",
            "{\"virtual_key\":\"canary-vk\",\"log_bodies\":true}"));
    seen(
        "stream, virtual key", gateway.send("POST", "/v1/chat/completions", stream, viaVirtualKey));
    seen(
        "embeddings, virtual key",
        gateway.send(
            "POST",
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":\"canary\"}",
            viaVirtualKey));
    seen("models, virtual key", gateway.send("GET", "/v1/models", null, viaVirtualKey));
    seen(
        "pass-through, provider key",
        gateway.send("POST", "/v1/proxy/chat/completions", chat, join(asKey, provider)));
    seen(
        "feedback",
        gateway.send("POST", "/v1/feedback", "{\"trace_id\":\"canary\",\"value\":1}", asKey));

    // 401: no key, a malformed key, a changed key, the admin token as a gateway key, a revoked key.
    seen("401 no gateway key", gateway.send("POST", "/v1/chat/completions", chat, provider));
    seen(
        "401 changed key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(
                new String[] {"x-portkey-api-key", TrickyTokens.oneCharacterChanged(key.secret())},
                provider)));
    seen(
        "401 admin token as gateway key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(new String[] {"x-portkey-api-key", gateway.adminToken}, provider)));
    seen("admin: revoke key", gateway.admin("DELETE", "/v1/admin/keys/" + doomed.id(), null));
    seen(
        "401 revoked key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(new String[] {"x-portkey-api-key", doomed.secret()}, provider)));
    seen(
        "401 revoked key as Bearer with a virtual key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            "authorization",
            "Bearer " + doomed.secret(),
            "x-portkey-virtual-key",
            "canary-vk"));
    seen(
        "401 admin API with a wrong token",
        gateway.send("GET", "/v1/admin/keys", null, "authorization", "Bearer " + providerKey));
    seen(
        "401 logs with a gateway key",
        gateway.send("GET", "/v1/logs", null, "authorization", "Bearer " + key.secret()));
    seen(
        "401 metrics with the provider key",
        gateway.send("GET", "/metrics", null, "authorization", "Bearer " + providerKey));

    // 403: a scope refused, another workspace's virtual key.
    seen(
        "403 narrow key chats",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(new String[] {"x-portkey-api-key", narrow.secret()}, provider)));
    seen(
        "403 other workspace's virtual key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            "x-portkey-api-key",
            other.secret(),
            "x-portkey-virtual-key",
            "canary-vk"));
    seen(
        "403 admin API, key of another workspace",
        gateway.send(
            "GET", "/v1/admin/keys/" + key.id(), null, "x-portkey-api-key", other.secret()));

    // 429 and 412.
    String[] asSlow = join(new String[] {"x-portkey-api-key", slow.secret()}, provider);
    seen("rate limited key, first", gateway.send("POST", "/v1/chat/completions", chat, asSlow));
    seen("429 rate limited key", gateway.send("POST", "/v1/chat/completions", chat, asSlow));
    seen(
        "412 budget exhausted",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(new String[] {"x-portkey-api-key", poor.secret()}, provider)));

    // 400: a malformed body, a bad config.
    seen(
        "400 malformed body",
        gateway.send("POST", "/v1/chat/completions", "{\"model\": ", join(asKey, provider)));
    seen(
        "400 invalid config",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(
                asKey,
                provider,
                new String[] {"x-portkey-config", "{\"strategy\":{\"mode\":\"nope\"}}"})));

    // Upstream failures: 401 from the provider, a reset, a 500, a stream cut short.
    openAi.enqueue(Fault.status(401));
    seen(
        "upstream 401, provider key",
        gateway.send("POST", "/v1/chat/completions", chat, join(asKey, provider)));
    openAi.enqueue(Fault.status(401));
    seen(
        "upstream 401, virtual key",
        gateway.send("POST", "/v1/chat/completions", chat, viaVirtualKey));
    openAi.enqueue(Fault.resetConnection());
    seen(
        "502 upstream reset, virtual key",
        gateway.send("POST", "/v1/chat/completions", chat, viaVirtualKey));
    openAi.enqueue(Fault.status(500));
    openAi.enqueue(Fault.status(500));
    openAi.enqueue(Fault.status(500));
    seen(
        "upstream 500, provider key, log_bodies",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(asKey, provider, new String[] {"x-portkey-config", logBodies})));
    openAi.enqueue(Fault.cutStreamAfter(1));
    seen(
        "stream cut, virtual key",
        gateway.send("POST", "/v1/chat/completions", stream, viaVirtualKey));
    seen(
        "unreachable custom host, provider key",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(
                asKey, provider, new String[] {"x-portkey-custom-host", "http://127.0.0.1:9/v1"})));

    // The admin API, each route.
    seen("admin: list workspaces", gateway.admin("GET", "/v1/admin/workspaces", null));
    seen("admin: list keys", gateway.admin("GET", "/v1/admin/keys", null));
    seen("admin: get key", gateway.admin("GET", "/v1/admin/keys/" + key.id(), null));
    seen(
        "admin: update key",
        gateway.admin("PATCH", "/v1/admin/keys/" + key.id(), "{\"name\":\"main-renamed\"}"));
    HttpResponse<String> rotated =
        gateway.admin("POST", "/v1/admin/keys/" + other.id() + "/rotate", null);
    String rotatedSecret = WireJson.tree(rotated.body()).path("key").asText();
    canaries.put("gateway key (rotated)", rotatedSecret);
    seen.add(
        new Seen(
            "admin: rotate key (its new secret excluded)", headersAndBody(rotated), rotatedSecret));
    seen(
        "401 key used after rotation",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(new String[] {"x-portkey-api-key", other.secret()}, provider)));
    seen("admin: list virtual keys", gateway.admin("GET", "/v1/admin/virtual-keys", null));
    seen(
        "admin: get virtual key",
        gateway.admin("GET", "/v1/admin/virtual-keys/ws-canary/canary-vk", null));
    seen(
        "admin: rotate virtual key",
        gateway.admin(
            "POST",
            "/v1/admin/virtual-keys/ws-canary/canary-vk/rotate",
            "{\"credentials\":{\"api_key\":\"" + rotatedVirtualKeySecret + "\"}}"));
    seen(
        "chat, rotated virtual key",
        gateway.send("POST", "/v1/chat/completions", chat, viaVirtualKey));
    seen(
        "admin: limit virtual key",
        gateway.admin(
            "PATCH",
            "/v1/admin/virtual-keys/ws-canary/canary-vk",
            "{\"limits\":{\"requests_per_minute\":1000}}"));
    seen("admin: re-encrypt", gateway.admin("POST", "/v1/admin/virtual-keys/reencrypt", "{}"));
    seen(
        "admin: usage of a key",
        gateway.admin("GET", "/v1/admin/usage?subject=key:" + key.id(), null));
    seen(
        "admin: usage of the virtual key",
        gateway.admin("GET", "/v1/admin/usage?subject=virtual_key:ws-canary/canary-vk", null));
    seen(
        "admin: usage of the workspace",
        gateway.admin("GET", "/v1/admin/usage?subject=workspace:ws-canary", null));
    seen(
        "admin: invalid virtual key request",
        gateway.admin(
            "POST",
            "/v1/admin/virtual-keys",
            "{\"workspace\":\"ws-canary\",\"slug\":\"bad slug!\",\"provider\":\"openai\","
                + "\"credentials\":{\"api_key\":\""
                + virtualKeySecret
                + "\"}}"));
    seen(
        "admin: duplicate virtual key",
        gateway.admin(
            "POST",
            "/v1/admin/virtual-keys",
            "{\"workspace\":\"ws-canary\",\"slug\":\"canary-vk\",\"provider\":\"openai\","
                + "\"credentials\":{\"api_key\":\""
                + virtualKeySecret
                + "\"}}"));
    seen("admin: key by the wrong id", gateway.admin("GET", "/v1/admin/keys/key_nosuch", null));
    seen("health", gateway.send("GET", "/v1/health", null));
  }

  AccessGateway.CreatedKey createKey(
      AccessGateway gateway, String workspace, String name, String scopes, String limits) {
    AccessGateway.CreatedKey created = gateway.createKey(workspace, name, scopes, limits);
    canaries.put("gateway key '" + name + "'", created.secret());
    seen.add(
        new Seen(
            "admin: create key '" + name + "' (its secret excluded)",
            created.answer(),
            created.secret()));
    return created;
  }

  void seen(String place, HttpResponse<String> answer) {
    seen.add(new Seen(place + " -> " + answer.statusCode(), headersAndBody(answer), null));
  }

  static String headersAndBody(HttpResponse<String> answer) {
    StringBuilder text = new StringBuilder();
    answer
        .headers()
        .map()
        .forEach((name, values) -> text.append(name).append(": ").append(values).append('\n'));
    return text.append('\n').append(answer.body()).toString();
  }

  static String[] join(String[]... parts) {
    List<String> all = new ArrayList<>();
    for (String[] part : parts) {
      all.addAll(List.of(part));
    }
    return all.toArray(String[]::new);
  }

  // --- reading the stores -------------------------------------------------------------------

  String duckDbRows() throws Exception {
    Path file = data.resolve("logs").resolve("requests.duckdb");
    TableDump dump = allRows("jdbc:duckdb:" + file, "main");
    rowCount += dump.rows();
    return dump.text();
  }

  int rowCount;
  int spanCount;
  int accessRowCount;
  String accessStoreRows;

  /** Every row of the access store's tables (an H2 file), read after the gateway closed it. */
  String accessStoreRows(String jdbcUrl) throws Exception {
    TableDump dump = allRows(jdbcUrl, "public");
    accessRowCount += dump.rows();
    return dump.text();
  }

  /** Every row of every table of a database's schema, a line each, and how many rows. */
  record TableDump(String text, int rows) {}

  static TableDump allRows(String jdbcUrl, String schema) throws Exception {
    StringBuilder rows = new StringBuilder();
    int count = 0;
    try (Connection connection = DriverManager.getConnection(jdbcUrl);
        Statement statement = connection.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (java.sql.PreparedStatement names =
          connection.prepareStatement(
              "SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
        names.setString(1, schema);
        try (ResultSet result = names.executeQuery()) {
          while (result.next()) {
            tables.add(result.getString(1));
          }
        }
      }
      for (String table : tables) {
        // Identifiers from the store's own catalogue, never from input.
        try (ResultSet result = statement.executeQuery("SELECT * FROM \"" + table + "\"")) {
          ResultSetMetaData meta = result.getMetaData();
          while (result.next()) {
            rows.append(table).append(':');
            for (int c = 1; c <= meta.getColumnCount(); c++) {
              rows.append(' ')
                  .append(meta.getColumnName(c))
                  .append('=')
                  .append(result.getString(c));
            }
            rows.append('\n');
            count++;
          }
        }
      }
    }
    return new TableDump(rows.toString(), count);
  }

  String spans(List<byte[]> exports) throws Exception {
    StringBuilder text = new StringBuilder();
    for (byte[] export : exports) {
      for (ResourceSpans resource :
          ExportTraceServiceRequest.parseFrom(export).getResourceSpansList()) {
        attributes(text, resource.getResource().getAttributesList());
        for (ScopeSpans scope : resource.getScopeSpansList()) {
          for (Span span : scope.getSpansList()) {
            spanCount++;
            text.append("span ").append(span.getName()).append('\n');
            attributes(text, span.getAttributesList());
            for (Span.Event event : span.getEventsList()) {
              text.append("event ").append(event.getName()).append('\n');
              attributes(text, event.getAttributesList());
            }
            text.append("status ").append(span.getStatus().getMessage()).append('\n');
          }
        }
      }
    }
    return text.toString();
  }

  static void attributes(StringBuilder text, List<KeyValue> attributes) {
    for (KeyValue attribute : attributes) {
      text.append(attribute.getKey()).append('=').append(attribute.getValue()).append('\n');
    }
  }

  static String raw(List<byte[]> exports) {
    StringBuilder text = new StringBuilder();
    for (byte[] export : exports) {
      text.append(new String(export, StandardCharsets.ISO_8859_1)).append('\n');
    }
    return text.toString();
  }

  // --- the report ---------------------------------------------------------------------------

  void report(List<RecordedRequest> upstream, String jcmdDump, long started) {
    // Controls: the canaries were planted where they should be, and the scanner finds them there.
    String upstreamAuth =
        String.join(
            "\n", upstream.stream().map(r -> String.valueOf(r.header("authorization"))).toList());
    int providerKeyUpstream =
        CanaryScanner.total(upstreamAuth, canaries.get("provider key (Authorization)"));
    int virtualKeyUpstream =
        CanaryScanner.total(upstreamAuth, canaries.get("virtual key's provider key"));
    int rotatedUpstream =
        CanaryScanner.total(upstreamAuth, canaries.get("virtual key's rotated provider key"));

    Map<String, Integer> perPlace = new LinkedHashMap<>();
    List<String> leaks = new ArrayList<>();
    for (Seen place : seen) {
      String group = group(place.place());
      perPlace.merge(group, 0, Integer::sum);
      for (Map.Entry<String, String> canary : canaries.entrySet()) {
        if (canary.getValue().equals(place.mayHold())) {
          continue;
        }
        Map<String, Integer> found = CanaryScanner.occurrences(place.text(), canary.getValue());
        int count = found.values().stream().mapToInt(Integer::intValue).sum();
        if (count > 0) {
          perPlace.merge(group, count, Integer::sum);
          leaks.add(
              canary.getKey()
                  + " in "
                  + place.place()
                  + " "
                  + found
                  + ": "
                  + excerpt(place.text(), canary.getValue()));
        }
      }
    }
    // The access store keeps the SHA-256 hex of each gateway key by design (that is how a key is
    // looked up); every other form of every canary, and any form of the other secrets, is a leak.
    Map<String, Integer> accessStore = new LinkedHashMap<>();
    for (Map.Entry<String, String> canary : canaries.entrySet()) {
      Map<String, Integer> found = CanaryScanner.occurrences(accessStoreRows, canary.getValue());
      if (canary.getKey().startsWith("gateway key")) {
        found.remove("sha256-hex");
        found.remove("sha256-HEX");
      }
      int count = found.values().stream().mapToInt(Integer::intValue).sum();
      if (count > 0) {
        accessStore.merge(canary.getKey(), count, Integer::sum);
        leaks.add(canary.getKey() + " in the access store " + found);
      }
    }
    perPlace.put(
        "access store (H2 file, every row; gateway keys' SHA-256 expected)",
        accessStore.values().stream().mapToInt(Integer::intValue).sum());
    int gatewayKeyHashesInStore = 0;
    for (Map.Entry<String, String> canary : canaries.entrySet()) {
      if (canary.getKey().startsWith("gateway key")) {
        gatewayKeyHashesInStore +=
            CanaryScanner.occurrences(accessStoreRows, canary.getValue())
                .getOrDefault("sha256-hex", 0);
      }
    }
    int secretsInTheirCreationAnswers = 0;
    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    for (Seen place : seen) {
      if (place.mayHold() != null) {
        secretsInTheirCreationAnswers += CanaryScanner.total(place.text(), place.mayHold());
      }
      int arrow = place.place().lastIndexOf(" -> ");
      if (arrow >= 0) {
        statuses.merge(Integer.parseInt(place.place().substring(arrow + 4)), 1, Integer::sum);
      }
    }
    long scannedAnswers =
        seen.stream()
            .filter(s ->
                s.place().contains("->")
                    || s.place().startsWith("admin: create")
                    || s.place().startsWith("admin: rotate"))
            .count();
    ReportTable table =
        new ReportTable("Secret canaries: occurrences per place", "place", "occurrences");
    perPlace.forEach(table::row);
    table.print();
    new ReportTable("Secret canaries: what was searched", "figure", "value")
        .row("canaries", canaries.size() + " " + canaries.keySet())
        .row("forms per canary", CanaryScanner.forms(canaries.get("admin token")).keySet())
        .row("answers scanned (bodies + headers)", scannedAnswers)
        .row("log lines", logLineCount)
        .row("request log rows (DuckDB)", rowCount)
        .row("spans exported", spanCount)
        .row("jcmd dump chars (0: jcmd did not answer in 20 s)", jcmdDump.length())
        .row("HotSpot dumpThreads chars", hotspotDumpLength)
        .row("answers by status", statuses)
        .row("access store rows (H2)", accessRowCount)
        .row("control: gateway keys' SHA-256 found in the access store", gatewayKeyHashesInStore)
        .row("control: secrets found in their own creation answers", secretsInTheirCreationAnswers)
        .row("control: provider key reached the provider", providerKeyUpstream)
        .row("control: virtual key's key reached the provider", virtualKeyUpstream)
        .row("control: rotated virtual key's key reached it", rotatedUpstream)
        .row("leaks", leaks.size())
        .row("wall time s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9))
        .print();
    leaks.stream().limit(40).forEach(l -> System.out.println("  LEAK " + l));

    assertThat(providerKeyUpstream).as("the provider key canary was planted").isPositive();
    assertThat(virtualKeyUpstream).as("the virtual key canary was planted").isPositive();
    assertThat(rotatedUpstream).as("the rotated virtual key canary was planted").isPositive();
    assertThat(spanCount).as("spans were exported").isPositive();
    assertThat(rowCount).as("requests were logged").isPositive();
    assertThat(secretsInTheirCreationAnswers).as("the scanner finds a shown secret").isPositive();
    assertThat(statuses.keySet()).contains(200, 400, 401, 403, 412, 429, 502);
    assertThat(leaks).isEmpty();
  }

  static String group(String place) {
    int arrow = place.indexOf(" -> ");
    String name = arrow < 0 ? place : place.substring(0, arrow);
    if (name.startsWith("admin: create key")) {
      return "admin API answers (create key, others' secrets)";
    }
    if (name.startsWith("admin:")) {
      return "admin API answers";
    }
    if (name.startsWith("request log")
        || name.startsWith("metrics")
        || name.startsWith("log lines")
        || name.startsWith("thread dump")
        || name.startsWith("traces")) {
      return name;
    }
    if (name.matches("^(401|403|412|429|400|502).*")
        || name.startsWith("upstream")
        || name.contains("cut")
        || name.contains("unreachable")) {
      return "error answers (bodies + headers)";
    }
    return "other answers (bodies + headers)";
  }

  static String excerpt(String text, String secret) {
    for (String form : CanaryScanner.forms(secret).values()) {
      int at = text.indexOf(form);
      if (at >= 0) {
        int from = Math.max(0, at - 60);
        return text.substring(from, Math.min(text.length(), at + 20)).replace('\n', ' ') + "…";
      }
    }
    return "";
  }

  static byte[] bytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  static String random(int n) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(n));
  }
}
