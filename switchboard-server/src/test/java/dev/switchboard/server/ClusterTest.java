package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.FakeOpenAi;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Three gateways as a deployment runs them, each the shipped jar in a network namespace of its own
 * (as a container), sharing the machine's real Redis and PostgreSQL, behind nginx's round-robin on
 * 127.0.0.1. The namespaces reach the stores and the fake provider only through {@link TcpRelay}s
 * on the host's ends of their veth pairs, which also let a store go away for the gateways without
 * stopping the Redis and PostgreSQL other tests use. Each run has its own PostgreSQL database and
 * Redis key prefix. Needs root, iproute2 and nginx: skipped where one is missing, failed when
 * {@code CI=true}. Runs after the jar is built (the {@code cluster} execution, phase {@code
 * integration-test}).
 */
@EnabledIfSystemProperty(named = "switchboard.cluster.jar", matches = ".+")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {
  static final Duration KEY_CACHE_TTL = Duration.ofSeconds(5);

  /** The gateways' {@code mcp.session-timeout}: short, so that a session expires in the test. */
  static final Duration MCP_SESSION_TIMEOUT = Duration.ofSeconds(8);

  /** The gateways' {@code server.drain-delay}: the default. */
  static final Duration DRAIN_DELAY = Duration.ofSeconds(5);

  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}";
  static final ObjectMapper JSON = new ObjectMapper();

  final long started = System.currentTimeMillis();
  final String run = "c" + started;
  final String database = "switchboard_cluster_" + run;
  final String adminToken = HexFormat.of().formatHex(random(32));
  final String masterKey = Base64.getEncoder().encodeToString(random(32));
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  final List<NetworkNamespace> namespaces = new ArrayList<>();
  final List<TcpRelay> relays = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  FakeOpenAi openai;
  ToolServer tools;
  TcpRelay toolsRelay;
  TcpRelay redis;
  TcpRelay postgres;
  RoundRobin nginx;

  /** The jar the gateways start from, and settings added to theirs (UpgradeTest changes both). */
  Path release = jar();

  final Map<String, String> moreSettings = new TreeMap<>();

  /** A gateway of the set: where it runs and how it is started again. */
  final class Node {
    final String name;
    final NetworkNamespace namespace;
    final Path directory;
    Path jar = release;
    GatewayProcess process;

    Node(String name, NetworkNamespace namespace) throws IOException {
      this.name = name;
      this.namespace = namespace;
      this.directory = Files.createTempDirectory("switchboard-" + name);
    }

    void start() throws IOException, InterruptedException {
      String outside = namespace.outside();
      String store =
          "jdbc:postgresql://"
              + outside
              + ":"
              + postgres.port(outside)
              + "/"
              + database
              + "?user=postgres";
      String redisUrl = "redis://" + outside + ":" + redis.port(outside);
      Map<String, String> environment = new TreeMap<>();
      environment.put("SWITCHBOARD_ACCESS_REQUIRE_KEYS", "true");
      environment.put("SWITCHBOARD_ADMIN_TOKEN", adminToken);
      environment.put("SWITCHBOARD_ACCESS_MASTER_KEY", masterKey);
      environment.put("SWITCHBOARD_ACCESS_KEY_CACHE_TTL", KEY_CACHE_TTL.toSeconds() + "s");
      environment.put("SWITCHBOARD_ACCESS_STORE", store);
      environment.put("SWITCHBOARD_LOGS_STORE", store);
      environment.put("SWITCHBOARD_RESPONSES_STORE", store);
      environment.put("SWITCHBOARD_ACCESS_REDIS_URL", redisUrl);
      environment.put("SWITCHBOARD_CACHE_BACKEND", "redis");
      environment.put("SWITCHBOARD_CACHE_REDIS_URL", redisUrl);
      environment.put("SWITCHBOARD_CACHE_REDIS_KEY_PREFIX", "switchboard:cache:" + run + ":");
      environment.put("SWITCHBOARD_ROUTING_STICKY_REDIS_URL", redisUrl);
      environment.put(
          "SWITCHBOARD_PROVIDERS_OPENAI_BASE_URL",
          "http://" + outside + ":" + relays.get(0).port(outside) + "/v1");
      environment.put("SWITCHBOARD_SERVER_DRAIN_TIMEOUT", "10s");
      // The MCP section is read from the settings file only; a release before this one (the
      // upgrade test's) knows neither it nor the drain delay.
      if (jar.equals(jar())) {
        Path settings = directory.resolve("switchboard.yaml");
        Files.writeString(
            settings,
            """
            mcp:
              session-timeout: %ds
              session-store: %s
              servers:
                tools:
                  url: http://%s:%d/mcp
            """
                .formatted(
                    MCP_SESSION_TIMEOUT.toSeconds(), redisUrl, outside, toolsRelay.port(outside)));
        environment.put("SWITCHBOARD_CONFIG", settings.toString());
        environment.put("SWITCHBOARD_SERVER_DRAIN_DELAY", DRAIN_DELAY.toSeconds() + "s");
      }
      environment.putAll(moreSettings);
      process =
          GatewayProcess.startJarIn(
              namespace.name,
              namespace.inside(),
              8787,
              jar,
              directory,
              environment,
              List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx256m"));
    }

    URI uri(String path) {
      return process.uri(path);
    }
  }

  static Path jar() {
    return Path.of(System.getProperty("switchboard.cluster.jar"));
  }

  @BeforeAll
  void startTheCluster() throws Exception {
    String missing = NetworkNamespace.missing();
    if (missing == null && !RoundRobin.installed()) {
      missing = "nginx (apt-get install nginx)";
    }
    if (missing != null) {
      String reason = "the cluster test needs " + missing;
      if ("true".equals(System.getenv("CI"))) {
        Assertions.fail(reason);
      }
      Assumptions.abort(reason);
    }
    try (Connection connection =
        DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres")) {
      connection.createStatement().execute("CREATE DATABASE " + database);
    }
    openai = FakeOpenAi.start();
    tools = new ToolServer();
    NetworkNamespace.deleteLeftovers();
    for (int i = 0; i < 3; i++) {
      namespaces.add(NetworkNamespace.create(i));
    }
    List<String> outside = namespaces.stream().map(NetworkNamespace::outside).toList();
    relays.add(TcpRelay.to("127.0.0.1", openai.port(), outside));
    redis = TcpRelay.to("127.0.0.1", 6379, outside);
    postgres = TcpRelay.to("127.0.0.1", 5432, outside);
    toolsRelay = TcpRelay.to("127.0.0.1", tools.port(), outside);
    relays.add(redis);
    relays.add(postgres);
    relays.add(toolsRelay);
    for (int i = 0; i < 3; i++) {
      nodes.add(new Node("gateway-" + (char) ('a' + i), namespaces.get(i)));
    }
    // The first creates the tables; the other two start together.
    nodes.get(0).start();
    try (var starting = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<?>> started = new ArrayList<>();
      for (Node node : nodes.subList(1, 3)) {
        started.add(
            starting.submit(() -> {
              node.start();
              return null;
            }));
      }
      for (Future<?> future : started) {
        future.get();
      }
    }
    nginx =
        RoundRobin.start(
            nodes.stream().map(node -> node.namespace.inside() + ":" + node.process.port).toList());
  }

  @AfterAll
  void stopTheCluster() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
    for (Node node : nodes) {
      if (node.process != null) {
        node.process.close();
        node.process.process.waitFor();
      }
    }
    for (TcpRelay relay : relays) {
      relay.close();
    }
    for (NetworkNamespace namespace : namespaces) {
      namespace.close();
    }
    if (openai != null) {
      openai.close();
    }
    if (tools != null) {
      tools.close();
    }
    try (Connection connection =
        DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres")) {
      connection.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  @Test
  @Order(1)
  void aBudgetHoldsAcrossTheGatewaysUnder300ConcurrentRequestsAndItsSpendIsTheLogsSum()
      throws Exception {
    String probeKey = createKey("{\"name\":\"probe\"}").get("key").asText();
    var probe = chat(nodes.get(0).uri("/v1/chat/completions"), probeKey, "budget-probe", "Hi");
    assertThat(probe.statusCode()).isEqualTo(200);
    BigDecimal perRequest =
        new BigDecimal(probe.headers().firstValue("x-switchboard-cost-usd").get());
    BigDecimal budget = perRequest.multiply(BigDecimal.valueOf(100));
    JsonNode key =
        createKey(
            "{\"name\":\"budget\",\"limits\":{\"budget\":{\"cost_usd\":\""
                + budget.toPlainString()
                + "\",\"period\":\"never\"}}}");

    List<HttpResponse<String>> answers =
        concurrently(
            300,
            i ->
                chat(
                    nodes.get(i % 3).uri("/v1/chat/completions"),
                    key.get("key").asText(),
                    "budget",
                    "Hi"));

    long admitted = answers.stream().filter(answer -> answer.statusCode() == 200).count();
    long refused = answers.stream().filter(answer -> answer.statusCode() == 412).count();
    answers.stream()
        .filter(answer -> answer.statusCode() != 200 && answer.statusCode() != 412)
        .limit(3)
        .forEach(answer ->
            System.out.println("cluster budgets: " + answer.statusCode() + " " + answer.body()));
    JsonNode usage = usage(nodes.get(1), key.get("id").asText());
    BigDecimal spent = new BigDecimal(usage.at("/usage/spent_usd").asText());
    BigDecimal logged = awaitLogged("budget", admitted).cost;
    System.out.printf(
        "cluster budgets: budget $%s (%s a request): %d admitted, %d refused (412), spent $%s, the log's sum $%s%n",
        budget.toPlainString(),
        perRequest.toPlainString(),
        admitted,
        refused,
        spent.toPlainString(),
        logged.toPlainString());
    assertThat(admitted + refused).isEqualTo(300);
    assertThat(admitted).isBetween(1L, 100L);
    assertThat(spent.subtract(budget).max(BigDecimal.ZERO)).isEqualByComparingTo("0.00");
    assertThat(spent).isEqualByComparingTo(logged);
    assertThat(spent).isEqualByComparingTo(perRequest.multiply(BigDecimal.valueOf(admitted)));
  }

  @Test
  @Order(2)
  void aRateLimitOf60AMinuteHoldsForTheClusterNotPerGateway() throws Exception {
    String key =
        createKey("{\"name\":\"rpm\",\"limits\":{\"requests_per_minute\":60}}").get("key").asText();

    List<HttpResponse<String>> answers =
        concurrently(
            150, i -> chat(nodes.get(i % 3).uri("/v1/chat/completions"), key, "rpm", "Hi"));

    long admitted = answers.stream().filter(answer -> answer.statusCode() == 200).count();
    long limited = answers.stream().filter(answer -> answer.statusCode() == 429).count();
    System.out.printf(
        "cluster rate limit: 60 rpm, 150 requests over three gateways: %d admitted, %d refused (429)%n",
        admitted, limited);
    assertThat(admitted).isBetween(59L, 61L);
    assertThat(admitted + limited).isEqualTo(150);
  }

  @Test
  @Order(3)
  void anAnswerCachedThroughOneGatewayIsAHitThroughTheOthers() throws Exception {
    String key = createKey("{\"name\":\"cache\"}").get("key").asText();
    String question = "What is the capital of France? " + run;
    int upstreamBefore = openai.requestCount();

    List<Cached> answers = new ArrayList<>();
    for (Node node : nodes) {
      answers.add(cachedChat(node, key, "simple", question));
    }

    assertThat(answers).extracting(Cached::status).containsExactly("MISS", "HIT", "HIT");
    assertThat(answers).extracting(Cached::content).containsOnly(answers.get(0).content());
    assertThat(openai.requestCount() - upstreamBefore).isEqualTo(1);
  }

  /** A cache status and the answer's content. */
  record Cached(String status, String content) {}

  /** A chat through {@code node} with the cache on in {@code mode} for an hour. */
  Cached cachedChat(Node node, String key, String mode, String prompt) throws Exception {
    var answer =
        send(
            HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
                .header("x-portkey-api-key", key)
                .header(
                    "x-portkey-config",
                    "{\"provider\":\"openai\",\"api_key\":\"sk-fake\",\"cache\":{\"mode\":\""
                        + mode
                        + "\",\"max_age\":600}}")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted(prompt))));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return new Cached(
        answer.headers().firstValue("x-portkey-cache-status").orElse(null),
        JSON.readTree(answer.body()).at("/choices/0/message/content").asText());
  }

  @Test
  @Order(4)
  void aKeyRevokedOnOneGatewayIsRefusedByTheOthersWithinTheKeyCacheTtl() throws Exception {
    JsonNode key = createKey("{\"name\":\"revoked\"}");
    String secret = key.get("key").asText();
    for (Node node : nodes) {
      assertThat(chat(node.uri("/v1/chat/completions"), secret, "revocation", "Hi").statusCode())
          .isEqualTo(200);
    }

    var revoked = admin("DELETE", nodes.get(0), "/v1/admin/keys/" + key.get("id").asText(), null);
    long revokedAt = System.nanoTime();
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(
            chat(nodes.get(0).uri("/v1/chat/completions"), secret, "revocation", "Hi").statusCode())
        .isEqualTo(401);
    List<Duration> refusedAfter = new ArrayList<>();
    for (Node node : nodes.subList(1, 3)) {
      while (chat(node.uri("/v1/chat/completions"), secret, "revocation", "Hi").statusCode()
          != 401) {
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt))
            .isLessThan(KEY_CACHE_TTL.plusSeconds(2));
        Thread.sleep(100);
      }
      refusedAfter.add(Duration.ofNanos(System.nanoTime() - revokedAt));
    }
    System.out.printf(
        "cluster revocation: refused by B and C after %s (key-cache-ttl %s)%n",
        refusedAfter, KEY_CACHE_TTL);
    assertThat(refusedAfter)
        .allSatisfy(after -> assertThat(after).isLessThanOrEqualTo(KEY_CACHE_TTL.plusSeconds(1)));
  }

  @Test
  @Order(5)
  void analyticsOnAnyGatewayCountTheRequestsOfAllThree() throws Exception {
    String key = createKey("{\"name\":\"analytics\"}").get("key").asText();
    for (Node node : nodes) {
      for (int i = 0; i < 4; i++) {
        assertThat(chat(node.uri("/v1/chat/completions"), key, "analytics", "Hi").statusCode())
            .isEqualTo(200);
      }
    }

    awaitLogged("analytics", 12);
    for (Node node : nodes) {
      assertThat(logged(node, "analytics").requests).isEqualTo(12);
    }
  }

  @Test
  @Order(6)
  void aStoredResponseAndAStickyArmAreTheSameOnEveryGateway() throws Exception {
    String key = createKey("{\"name\":\"state\"}").get("key").asText();
    var first =
        send(
            asOpenAiCaller(nodes.get(0).uri("/v1/responses"), key)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o-mini\",\"input\":\"Remember the word kiwi.\"}")));
    assertThat(first.statusCode()).isEqualTo(200);
    String id = JSON.readTree(first.body()).get("id").asText();
    var next =
        send(
            asOpenAiCaller(nodes.get(1).uri("/v1/responses"), key)
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"gpt-4o-mini\",\"previous_response_id\":\""
                            + id
                            + "\",\"input\":\"Which word?\"}")));
    var read = send(asOpenAiCaller(nodes.get(2).uri("/v1/responses/" + id), key).GET());
    assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(JSON.readTree(read.body()).get("id").asText()).isEqualTo(id);
    assertThat(openai.requests().getLast().body()).contains("kiwi");

    // Placed on A by weights 1000:1, each user keeps that arm on B and C, whose weights say 1:1000.
    for (int user = 0; user < 4; user++) {
      List<String> arms = new ArrayList<>();
      for (Node node : nodes) {
        boolean onA = node == nodes.get(0);
        String config =
            "{\"strategy\":{\"mode\":\"loadbalance\",\"sticky\":{\"key\":\"metadata._user\",\"experiment\":\""
                + run
                + "\"}},"
                + "\"targets\":[{\"name\":\"control\",\"provider\":\"openai\",\"api_key\":\"sk-fake\",\"weight\":"
                + (onA ? 1000 : 1)
                + "},"
                + "{\"name\":\"candidate\",\"provider\":\"openai\",\"api_key\":\"sk-fake\",\"weight\":"
                + (onA ? 1 : 1000)
                + "}]}";
        var answer =
            send(
                HttpRequest.newBuilder(node.uri("/v1/chat/completions"))
                    .header("x-portkey-api-key", key)
                    .header("x-portkey-config", config)
                    .header("x-portkey-metadata", "{\"_user\":\"user-" + user + "\"}")
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted("Hi"))));
        assertThat(answer.statusCode()).isEqualTo(200);
        arms.add(answer.headers().firstValue("x-switchboard-arm").orElse(null));
      }
      assertThat(arms).doesNotContainNull().containsOnly(arms.get(0));
    }
  }

  @Test
  @Order(3)
  void anAnswerCachedThroughOneGatewayIsASemanticHitForARewordedPromptThroughTheOthers()
      throws Exception {
    String key = createKey("{\"name\":\"semantic\"}").get("key").asText();
    List<String> prompts =
        List.of(
            "How many days are there in a leap year?",
            "How many days does a leap year have?",
            "How many days are in a leap year?");
    int upstreamBefore = openai.requestCount();

    List<Cached> answers = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      answers.add(cachedChat(nodes.get(i), key, "semantic", prompts.get(i)));
    }
    System.out.printf("cluster semantic cache: %s for %s%n", answers, prompts);

    assertThat(answers)
        .extracting(Cached::status)
        .containsExactly("SEMANTIC MISS", "SEMANTIC HIT", "SEMANTIC HIT");
    assertThat(answers).extracting(Cached::content).containsOnly(answers.get(0).content());
    assertThat(openai.requestCount() - upstreamBefore).isEqualTo(1);
  }

  @Test
  @Order(6)
  void anMcpSessionOpenedOnOneGatewayIsGoodOnTheOthersUntilDeletedOrExpired() throws Exception {
    String key = createKey("{\"name\":\"mcp\"}").get("key").asText();
    for (Node node : nodes) {
      awaitTool(node, key, "tools__count");
    }
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    Node c = nodes.get(2);

    McpSession session = McpSession.open(this, a, key);
    assertThat(
            session.post(b, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                .status)
        .isEqualTo(202);
    McpAnswer listed = session.post(b, request(2, "tools/list", "{}"));
    McpAnswer counted =
        session.post(
            c,
            request(
                3,
                "tools/call",
                "{\"name\":\"tools__count\",\"arguments\":{\"to\":3},\"_meta\":{\"progressToken\":\"count-1\"}}"));
    McpAnswer again =
        session.post(
            a, request(4, "tools/call", "{\"name\":\"tools__count\",\"arguments\":{\"to\":2}}"));
    System.out.printf(
        "cluster mcp: session %s opened on A; tools/list on B %d, tools/call on C %d (%d progress), on A %d%n",
        session.id, listed.status, counted.status, counted.progress().size(), again.status);

    assertThat(listed.status).isEqualTo(200);
    assertThat(listed.result(2).findValuesAsText("name")).contains("tools__count");
    assertThat(counted.status).isEqualTo(200);
    assertThat(counted.progress())
        .extracting(progress -> progress.get("progressToken").asText())
        .containsOnly("count-1");
    assertThat(counted.progress())
        .extracting(progress -> progress.get("progress").asDouble())
        .containsExactly(1.0, 2.0, 3.0);
    assertThat(counted.result(3).at("/content/0/text").asText()).isEqualTo("counted to 3");
    assertThat(again.result(4).at("/content/0/text").asText()).isEqualTo("counted to 2");

    // Deleted through B: gone everywhere, the gateway it was opened on too.
    assertThat(session.delete(b)).isEqualTo(200);
    for (Node node : nodes) {
      assertThat(session.post(node, request(5, "tools/list", "{}")).status).isEqualTo(404);
    }

    // Expired: used on A, B and C, then idle for longer than mcp.session-timeout.
    McpSession idle = McpSession.open(this, a, key);
    for (Node node : nodes) {
      assertThat(idle.post(node, request(2, "tools/list", "{}")).status).isEqualTo(200);
    }
    Thread.sleep(MCP_SESSION_TIMEOUT.plusSeconds(2).toMillis());
    List<Integer> afterExpiry = new ArrayList<>();
    for (Node node : nodes) {
      afterExpiry.add(idle.post(node, request(3, "tools/list", "{}")).status);
    }
    System.out.printf(
        "cluster mcp: an idle session after %s: %s on A, B and C%n",
        MCP_SESSION_TIMEOUT, afterExpiry);
    assertThat(afterExpiry).containsOnly(404);
  }

  static String request(int id, String method, String params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":"
        + id
        + ",\"method\":\""
        + method
        + "\",\"params\":"
        + params
        + "}";
  }

  /** Waits until {@code node}'s {@code /mcp} lists {@code tool} (its upstream is connected). */
  void awaitTool(Node node, String key, String tool) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      McpSession probe = McpSession.open(this, node, key);
      McpAnswer listed = probe.post(node, request(2, "tools/list", "{}"));
      probe.delete(node);
      if (listed.status == 200 && listed.result(2).findValuesAsText("name").contains(tool)) {
        return;
      }
      assertThat(System.nanoTime()).as("%s lists %s", node.name, tool).isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  /** A client's MCP session, over plain HTTP (Streamable HTTP), sent to whichever gateway. */
  record McpSession(ClusterTest test, String key, String id, String protocolVersion) {
    static McpSession open(ClusterTest test, Node node, String key) throws Exception {
      var answer =
          test.send(
              mcpRequest(node, key, null, null)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          request(
                              1,
                              "initialize",
                              "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"cluster-test\",\"version\":\"1.0\"}}"))));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      JsonNode result = McpAnswer.of(answer).result(1);
      return new McpSession(
          test,
          key,
          answer.headers().firstValue("mcp-session-id").orElseThrow(),
          result.get("protocolVersion").asText());
    }

    McpAnswer post(Node node, String message) throws Exception {
      return McpAnswer.of(
          test.send(
              mcpRequest(node, key, id, protocolVersion)
                  .POST(HttpRequest.BodyPublishers.ofString(message))));
    }

    int delete(Node node) throws Exception {
      return test.send(mcpRequest(node, key, id, protocolVersion).DELETE()).statusCode();
    }

    static HttpRequest.Builder mcpRequest(
        Node node, String key, String session, String protocolVersion) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(node.uri("/mcp"))
              .header("x-portkey-api-key", key)
              .header("content-type", "application/json")
              .header("accept", "application/json, text/event-stream");
      if (session != null) {
        request.header("mcp-session-id", session);
      }
      if (protocolVersion != null) {
        request.header("mcp-protocol-version", protocolVersion);
      }
      return request;
    }
  }

  /** An MCP answer: its status and its JSON-RPC messages (one JSON body, or server-sent events). */
  record McpAnswer(int status, List<JsonNode> messages) {
    static McpAnswer of(HttpResponse<String> answer) throws IOException {
      List<JsonNode> messages = new ArrayList<>();
      String type = answer.headers().firstValue("content-type").orElse("");
      if (type.startsWith("text/event-stream")) {
        for (String line : answer.body().split("\n")) {
          if (line.startsWith("data:")) {
            messages.add(JSON.readTree(line.substring(5).strip()));
          }
        }
      } else if (type.startsWith("application/json") && !answer.body().isBlank()) {
        messages.add(JSON.readTree(answer.body()));
      }
      return new McpAnswer(answer.statusCode(), messages);
    }

    JsonNode result(int id) {
      return messages.stream()
          .filter(message -> message.path("id").asInt() == id && message.has("result"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no result for " + id + " in " + messages))
          .get("result");
    }

    List<JsonNode> progress() {
      return messages.stream()
          .filter(message -> "notifications/progress".equals(message.path("method").asText()))
          .map(message -> message.get("params"))
          .toList();
    }
  }

  /**
   * The upstream MCP server the gateways front (the MCP Java SDK's Streamable HTTP server on Jetty,
   * on the host's loopback): tool {@code count} sends a progress notification for each of 1 to
   * {@code to}, then answers {@code counted to <to>}.
   */
  static final class ToolServer implements AutoCloseable {
    private final org.eclipse.jetty.server.Server jetty = new org.eclipse.jetty.server.Server();
    private final org.eclipse.jetty.server.ServerConnector connector =
        new org.eclipse.jetty.server.ServerConnector(jetty);
    private final io.modelcontextprotocol.server.McpSyncServer mcp;

    ToolServer() throws Exception {
      var transport =
          io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider
              .builder()
              .jsonMapper(io.modelcontextprotocol.json.McpJsonDefaults.getMapper())
              .mcpEndpoint("/mcp")
              .build();
      Map<String, Object> schema =
          Map.of(
              "type",
              "object",
              "properties",
              Map.of("to", Map.of("type", "integer")),
              "required",
              List.of("to"));
      mcp =
          io.modelcontextprotocol.server.McpServer.sync(transport)
              .serverInfo("cluster-tools", "1.0.0")
              .capabilities(
                  io.modelcontextprotocol.spec.McpSchema.ServerCapabilities.builder()
                      .tools(true)
                      .build())
              .tools(
                  new io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification(
                      io.modelcontextprotocol.spec.McpSchema.Tool.builder("count")
                          .description("Counts to its argument, reporting progress.")
                          .inputSchema(schema)
                          .build(),
                      (exchange, request) -> {
                        int to = ((Number) request.arguments().get("to")).intValue();
                        Object token =
                            request.meta() == null ? null : request.meta().get("progressToken");
                        for (int i = 1; i <= to && token != null; i++) {
                          exchange.progressNotification(
                              new io.modelcontextprotocol.spec.McpSchema.ProgressNotification(
                                  token, i, (double) to, "counted " + i));
                        }
                        return io.modelcontextprotocol.spec.McpSchema.CallToolResult.builder()
                            .content(
                                List.of(
                                    new io.modelcontextprotocol.spec.McpSchema.TextContent(
                                        "counted to " + to)))
                            .isError(false)
                            .build();
                      }))
              .build();
      var context = new org.eclipse.jetty.ee11.servlet.ServletContextHandler();
      var holder = new org.eclipse.jetty.ee11.servlet.ServletHolder(transport);
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/mcp");
      connector.setHost("127.0.0.1");
      jetty.addConnector(connector);
      jetty.setHandler(context);
      jetty.start();
    }

    int port() {
      return connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      mcp.close();
      jetty.stop();
    }
  }

  @Test
  @Order(7)
  void theCostOfAGatewayIsMeasuredUnderSteadyLoad() throws Exception {
    String key = createKey("{\"name\":\"cost\"}").get("key").asText();
    // Warm the gateways' code first, so the measure is of a gateway that has been serving.
    try (Load warm = new Load(key, "warm", 8)) {
      Thread.sleep(5_000);
    }
    long[] cpuBefore =
        nodes.stream().mapToLong(node -> cpuTicks(node.process.process.pid())).toArray();
    Load load = new Load(key, "cost", 8);
    Thread.sleep(10_000);
    load.stop();
    long cpuTicks = 0;
    List<Long> rssMegabytes = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      long pid = nodes.get(i).process.process.pid();
      cpuTicks += cpuTicks(pid) - cpuBefore[i];
      rssMegabytes.add(rssKilobytes(pid) / 1024);
    }
    double cpuSecondsPerThousand = cpuTicks / 100.0 / (load.ok.get() / 1000.0);
    System.out.printf(
        "cluster cost: %d requests through nginx in 10 s by 8 clients, %d failed; CPU %.2f s per 1,000 requests (the three gateways together); RSS per gateway %s MB%n",
        load.ok.get(), load.failed.size(), cpuSecondsPerThousand, rssMegabytes);
    assertThat(load.failed).isEmpty();
    assertThat(awaitLogged("cost", load.ok.get()).requests).isEqualTo(load.ok.get());
  }

  /** User and system CPU of a process so far, in clock ticks (100 a second on Linux). */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static long rssKilobytes(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(line -> line.startsWith("VmRSS:"))
        .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
        .findFirst()
        .orElseThrow();
  }

  @Test
  @Order(8)
  void aRollingRestartUnderLoadBySigtermAloneFailsNoRequestAndLosesNoLogRow() throws Exception {
    String key = createKey("{\"name\":\"restart\"}").get("key").asText();
    // The balancer follows the gateways' readiness, as Kubernetes' endpoints do; nobody takes a
    // gateway out of it before its SIGTERM: the gateway's drain delay does.
    nginx.followReadiness(Duration.ofMillis(250));
    try (Load load = new Load(key, "restart", 4)) {
      Thread.sleep(1_000);
      List<Duration> stops = new ArrayList<>();
      for (Node node : nodes) {
        long signalled = System.nanoTime();
        node.process.process.destroy();
        assertThat(node.process.process.waitFor()).isEqualTo(0);
        stops.add(Duration.ofNanos(System.nanoTime() - signalled));
        node.process.close();
        node.start();
        awaitReady(node);
      }
      load.stop();
      System.out.printf(
          "cluster rolling restart (SIGTERM alone, drain delay %s): %d requests answered, %d failed"
              + " %s; SIGTERM to exit %s%n",
          DRAIN_DELAY,
          load.ok.get(),
          load.failed.size(),
          load.failed.stream().limit(3).toList(),
          stops);
      assertThat(load.failed).isEmpty();
      assertThat(awaitLogged("restart", load.ok.get()).requests).isEqualTo(load.ok.get());
    } finally {
      nginx.stopFollowingReadiness();
      nginx.onlyWithout(-1);
    }
  }

  /** Waits until {@code node} is ready, and the balancer's next look at it (a second) is over. */
  void awaitReady(Node node) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (send(HttpRequest.newBuilder(node.uri("/v1/health/ready")).GET()).statusCode() != 200) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(100);
    }
    Thread.sleep(1_500);
  }

  @Test
  @Order(9)
  void whenRedisThenPostgresqlGoAwayForTenSecondsRequestsFlowAndNothingIsLost() throws Exception {
    // A rate limit, so that every request counts in Redis.
    String key =
        createKey("{\"name\":\"stores\",\"limits\":{\"requests_per_minute\":1000000}}")
            .get("key")
            .asText();
    try (Load load = new Load(key, "stores", 4)) {
      Thread.sleep(2_000);
      int before = load.ok.get();
      redis.cut();
      Thread.sleep(10_000);
      redis.restore();
      int answeredWithoutRedis = load.ok.get() - before;
      List<String> failedWithoutRedis = List.copyOf(load.failed);
      Thread.sleep(2_000);
      int failedBefore = load.failed.size();
      before = load.ok.get();
      postgres.cut();
      Thread.sleep(10_000);
      postgres.restore();
      int answeredWithoutPostgres = load.ok.get() - before;
      List<String> failedWithoutPostgres =
          List.copyOf(load.failed.subList(failedBefore, load.failed.size()));
      Thread.sleep(3_000);
      load.stop();
      Logged logged = awaitLogged("stores", load.ok.get());
      System.out.printf(
          "cluster stores away: Redis away 10 s: %d answered, %d failed; PostgreSQL away 10 s:"
              + " %d answered, %d refused (%s); in all %d answered, %d logged once both were back%n",
          answeredWithoutRedis,
          failedWithoutRedis.size(),
          answeredWithoutPostgres,
          failedWithoutPostgres.size(),
          failedWithoutPostgres.stream()
              .map(failure -> failure.substring(0, Math.min(failure.length(), 110)))
              .distinct()
              .toList(),
          load.ok.get(),
          logged.requests);
      // Redis away: rate limits let requests through, nothing fails.
      assertThat(failedWithoutRedis).isEmpty();
      // PostgreSQL away: keys looked up within access.key-cache-ttl still pass; after that a
      // request is refused with 503, "try again", never let through unchecked.
      assertThat(answeredWithoutPostgres).isPositive();
      assertThat(failedWithoutPostgres)
          .allSatisfy(failure ->
              assertThat(failure).startsWith("503 ").contains("The gateway's access store failed"));
      // Every answered request is in the log once PostgreSQL is back.
      assertThat(logged.requests).isEqualTo(load.ok.get());
    }
  }

  /** Steady requests through nginx from a few clients, each waiting for its answer. */
  final class Load implements AutoCloseable {
    final AtomicInteger ok = new AtomicInteger();
    final List<String> failed = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<Thread> clients = new ArrayList<>();

    Load(String key, String scenario, int clients) {
      for (int i = 0; i < clients; i++) {
        this.clients.add(
            Thread.ofVirtual()
                .start(() -> {
                  while (running.get()) {
                    try {
                      var answer = chat(nginx.uri("/v1/chat/completions"), key, scenario, "Hi");
                      if (answer.statusCode() == 200) {
                        ok.incrementAndGet();
                      } else {
                        failed.add(answer.statusCode() + " " + answer.body());
                      }
                    } catch (IOException e) {
                      failed.add(e.toString());
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                }));
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread client : clients) {
        client.join();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }

  record Logged(long requests, BigDecimal cost) {}

  /**
   * Waits until the request log (read through gateway A) holds {@code count} records of {@code
   * scenario}.
   */
  Logged awaitLogged(String scenario, long count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Logged logged = logged(nodes.get(0), scenario);
    while (logged.requests < count && System.nanoTime() < deadline) {
      Thread.sleep(200);
      logged = logged(nodes.get(0), scenario);
    }
    return logged;
  }

  Logged logged(Node node, String scenario) throws Exception {
    var answer =
        admin(
            "GET",
            node,
            "/v1/analytics?from="
                + started
                + "&bucket=1h&metadata.scenario="
                + URLEncoder.encode(scenario, StandardCharsets.UTF_8)
                + "&status=2xx",
            null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode totals = JSON.readTree(answer.body()).get("totals");
    if (totals.isEmpty()) {
      return new Logged(0, BigDecimal.ZERO);
    }
    return new Logged(
        totals.get(0).get("requests").asLong(),
        new BigDecimal(totals.get(0).get("cost_usd").asText()));
  }

  JsonNode createKey(String body) throws Exception {
    var answer = admin("POST", nodes.get(0), "/v1/admin/keys", body);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
    return JSON.readTree(answer.body());
  }

  JsonNode usage(Node node, String keyId) throws Exception {
    var answer = admin("GET", node, "/v1/admin/usage?subject=key:" + keyId, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  HttpResponse<String> admin(String method, Node node, String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(node.uri(path))
            .header("authorization", "Bearer " + adminToken)
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> chat(URI uri, String key, String scenario, String content)
      throws IOException, InterruptedException {
    return send(
        asOpenAiCaller(uri, key)
            .header("x-portkey-metadata", "{\"scenario\":\"" + scenario + "\"}")
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted(content))));
  }

  /** A request with a gateway key, to OpenAI (the fake) with a provider key of its own. */
  static HttpRequest.Builder asOpenAiCaller(URI uri, String key) {
    return HttpRequest.newBuilder(uri)
        .header("x-portkey-api-key", key)
        .header("x-portkey-provider", "openai")
        .header("authorization", "Bearer sk-fake");
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(
        request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  interface Call {
    HttpResponse<String> send(int index) throws Exception;
  }

  /** {@code count} calls released together, each on its own virtual thread. */
  static List<HttpResponse<String>> concurrently(int count, Call call) throws Exception {
    var ready = new java.util.concurrent.CountDownLatch(1);
    try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = i;
        futures.add(
            threads.submit(() -> {
              ready.await();
              return call.send(index);
            }));
      }
      ready.countDown();
      List<HttpResponse<String>> answers = new ArrayList<>();
      for (Future<HttpResponse<String>> future : futures) {
        answers.add(future.get());
      }
      return answers;
    }
  }

  static byte[] random(int bytes) {
    byte[] random = new byte[bytes];
    new SecureRandom().nextBytes(random);
    return random;
  }
}
