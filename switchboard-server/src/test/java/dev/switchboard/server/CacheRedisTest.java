package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.cache.CacheSettings;
import dev.switchboard.testkit.FakeOpenAi;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The shared cache on the real Redis at 127.0.0.1:6379 (CI starts it): two gateways share hits, and
 * a Redis that cannot be reached costs misses, never an error. Each run uses its own key prefix and
 * deletes its keys.
 */
class CacheRedisTest {
  static final URI REDIS = URI.create("redis://127.0.0.1:6379");
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"share me\"}]}";

  final String prefix = "switchboard-test:" + UUID.randomUUID() + ":";
  FakeOpenAi openai;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
  }

  @AfterEach
  void stop() {
    openai.close();
    try (RedisClient redis = RedisClient.create(REDIS)) {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> page = redis.scan(cursor, new ScanParams().match(prefix + "*"));
        page.getResult().forEach(redis::del);
        cursor = page.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }
  }

  GatewayUnderTest gatewayOn(URI redis) {
    return gatewayOn(redis, Duration.ofSeconds(1));
  }

  GatewayUnderTest gatewayOn(URI redis, Duration pauseAfterFailure) {
    CacheSettings cache =
        CacheSettings.builder()
            .redis(redis)
            .redisKeyPrefix(prefix)
            .redisTimeout(Duration.ofMillis(500))
            .redisPauseAfterFailure(pauseAfterFailure)
            .build();
    return GatewayUnderTest.withEngine(GatewaySettings.builder().cache(cache).build(), e -> {});
  }

  HttpResponse<String> chat(GatewayUnderTest gateway) {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\"sk-shared\",\"custom_host\":\""
            + openai.baseUrl()
            + "\",\"cache\":{\"mode\":\"simple\",\"max_age\":300}}";
    return gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-config", config);
  }

  static String status(HttpResponse<String> response) {
    return response.headers().firstValue("x-portkey-cache-status").orElse(null);
  }

  @Test
  void twoGatewaysOnOneRedisShareTheirHits() {
    try (GatewayUnderTest one = gatewayOn(REDIS);
        GatewayUnderTest two = gatewayOn(REDIS)) {
      var first = chat(one);
      var second = chat(two);
      var third = chat(one);

      assertThat(status(first)).isEqualTo("MISS");
      assertThat(status(second)).isEqualTo("HIT");
      assertThat(status(third)).isEqualTo("HIT");
      assertThat(json(second)).isEqualTo(json(first));
      assertThat(openai.requestCount()).isEqualTo(1);
    }
    try (RedisClient redis = RedisClient.create(REDIS)) {
      var keys = redis.keys(prefix + "*");
      assertThat(keys).hasSize(1);
      String key = keys.iterator().next();
      assertThat(key).matches(java.util.regex.Pattern.quote(prefix) + "[0-9a-f]{64}");
      assertThat(redis.pttl(key)).isBetween(1L, 300_000L);
      // Stored compressed: never the answer's JSON in the clear.
      assertThat(
              new String(redis.get(key.getBytes()), java.nio.charset.StandardCharsets.ISO_8859_1))
          .doesNotContain("chat.completion");
    }
  }

  @Test
  void twoGatewaysOnOneRedisShareSemanticHits() {
    try (GatewayUnderTest one = gatewayOn(REDIS);
        GatewayUnderTest two = gatewayOn(REDIS)) {
      var asked = semanticChat(one, "What is the capital of France?");
      var paraphrased = semanticChat(two, "Which city is the capital of France?");
      var unrelated = semanticChat(two, "How do I bake sourdough bread?");

      assertThat(status(asked)).isEqualTo("SEMANTIC MISS");
      assertThat(status(paraphrased)).isEqualTo("SEMANTIC HIT");
      assertThat(json(paraphrased)).isEqualTo(json(asked));
      assertThat(status(unrelated)).isEqualTo("SEMANTIC MISS");
      assertThat(openai.requestCount()).isEqualTo(2);
    }
    try (RedisClient redis = RedisClient.create(REDIS)) {
      var index = redis.keys(prefix + "semantic:*");
      assertThat(index).hasSize(1);
      assertThat(redis.llen(index.iterator().next())).isEqualTo(2);
    }
  }

  HttpResponse<String> semanticChat(GatewayUnderTest gateway, String question) {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\"sk-shared\",\"custom_host\":\""
            + openai.baseUrl()
            + "\",\"cache\":{\"mode\":\"semantic\",\"max_age\":300}}";
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
            + dev.switchboard.wire.WireJson.writeString(question)
            + "}]}";
    return gateway.postJson("/v1/chat/completions", body, "x-portkey-config", config);
  }

  @Test
  void aRedisThatCannotBeReachedDegradesToMissesWithAnswers() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (GatewayUnderTest gateway = gatewayOn(URI.create("redis://127.0.0.1:" + closedPort))) {
      var first = chat(gateway);
      var second = chat(gateway);

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(second.statusCode()).isEqualTo(200);
      assertThat(status(first)).isEqualTo("MISS");
      assertThat(status(second)).isEqualTo("MISS");
      assertThat(openai.requestCount()).isEqualTo(2);
      JsonNode cache = json(gateway.get("/v1/health")).path("cache");
      assertThat(cache.path("errors").asLong()).isPositive();
      assertThat(cache.path("misses").asLong()).isEqualTo(2);
      assertThat(cache.path("hits").asLong()).isZero();
    }
  }

  @Test
  void redisGoingAwayMidTestDegradesToMissesAndItsReturnBringsTheHitsBack() throws IOException {
    try (TcpRelay relay = TcpRelay.to("127.0.0.1", 6379);
        GatewayUnderTest gateway =
            gatewayOn(URI.create("redis://127.0.0.1:" + relay.port()), Duration.ZERO)) {
      var stored = chat(gateway);
      var hit = chat(gateway);

      relay.cut();
      var duringOutage = chat(gateway);
      var stillDown = chat(gateway);

      relay.restore();
      var back = chat(gateway);

      assertThat(status(stored)).isEqualTo("MISS");
      assertThat(status(hit)).isEqualTo("HIT");
      assertThat(duringOutage.statusCode()).isEqualTo(200);
      assertThat(status(duringOutage)).isEqualTo("MISS");
      assertThat(stillDown.statusCode()).isEqualTo(200);
      assertThat(status(stillDown)).isEqualTo("MISS");
      assertThat(status(back)).isEqualTo("HIT");
      assertThat(json(back)).isEqualTo(json(stored));
      assertThat(openai.requestCount()).isEqualTo(3);
      assertThat(json(gateway.get("/v1/health")).at("/cache/errors").asLong()).isPositive();
    }
  }
}
