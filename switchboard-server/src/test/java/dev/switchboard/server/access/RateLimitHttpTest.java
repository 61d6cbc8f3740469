package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.TestPostgres;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * A key limited to 60 requests a minute and 200 requests at once over HTTP: at most 60 succeed,
 * every other one is a 429 with {@code Retry-After} and the rate-limit headers. With two gateways
 * sharing Redis (and the access store), the two together let at most 60 through.
 */
class RateLimitHttpTest {
  static final String CHAT =
      "{\"model\":\"rate-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5}";
  static final String ADMIN_TOKEN = "sbadm-rate-" + UUID.randomUUID();
  static final String REDIS = "redis://127.0.0.1:6379";
  final List<String> redisMarkers = new ArrayList<>();

  @AfterEach
  void cleanRedis() {
    if (redisMarkers.isEmpty()) {
      return;
    }
    try (RedisClient redis = RedisClient.create(REDIS)) {
      for (String marker : redisMarkers) {
        for (String key : redis.keys("*" + marker + "*")) {
          redis.del(key);
        }
      }
    }
  }

  @Test
  void twoHundredRequestsAtOnceLetSixtyThroughOnOneGateway() throws Exception {
    try (AccessGateway gateway =
        AccessGateway.start(
            AccessGateway.Options.of(
                AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN))) {
      burst("1 gateway (in-process rates)", List.of(gateway));
    }
  }

  @Test
  void twoHundredRequestsAtOnceLetSixtyThroughAcrossTwoGatewaysSharingRedis() throws Exception {
    AccessSettings access =
        AccessSettingsForTests.withRedis(
            AccessSettings.inMemory()
                .withStoreUrl(TestPostgres.freshSchemaUrl())
                .withRequireKeys(true),
            REDIS);
    AccessGateway.Options options = AccessGateway.Options.of(access, ADMIN_TOKEN);
    try (AccessGateway first = AccessGateway.start(options);
        AccessGateway second = AccessGateway.start(options)) {
      burst("2 gateways (Redis)", List.of(first, second));
    }
  }

  void burst(String setUp, List<AccessGateway> gateways) throws Exception {
    AccessGateway admin = gateways.getFirst();
    String workspace = "ws-rate-" + UUID.randomUUID().toString().substring(0, 8);
    admin.createWorkspace(workspace, null);
    AccessGateway.CreatedKey key =
        admin.createKey(
            workspace,
            "sixty",
            "{\"permissions\":[\"completions\"]}",
            "{\"requests_per_minute\":60}");
    redisMarkers.add(key.id());
    redisMarkers.add(workspace);

    long started = System.nanoTime();
    List<HttpResponse<String>> answers = Burst.chats(200, gateways, CHAT, key.secret());
    double seconds = (System.nanoTime() - started) / 1e9;

    Map<Integer, Integer> statuses = new TreeMap<>();
    int[] perGateway = new int[gateways.size()];
    int withoutRetryAfter = 0;
    int withoutLimitHeaders = 0;
    long longestRetryAfter = 0;
    for (int i = 0; i < answers.size(); i++) {
      HttpResponse<String> answer = answers.get(i);
      statuses.merge(answer.statusCode(), 1, Integer::sum);
      if (answer.statusCode() == 200) {
        perGateway[i % gateways.size()]++;
      }
      if (answer.headers().firstValue("x-ratelimit-limit-requests").isEmpty()
          || answer.headers().firstValue("x-ratelimit-remaining-requests").isEmpty()
          || answer.headers().firstValue("x-ratelimit-reset-requests").isEmpty()) {
        withoutLimitHeaders++;
      }
      if (answer.statusCode() == 429) {
        var retryAfter = answer.headers().firstValue("retry-after");
        if (retryAfter.isEmpty()) {
          withoutRetryAfter++;
        } else {
          longestRetryAfter = Math.max(longestRetryAfter, Long.parseLong(retryAfter.get()));
        }
      }
    }
    int succeeded = statuses.getOrDefault(200, 0);
    ReportTable table =
        new ReportTable("Rate limit 60 rpm, " + setUp, "figure", "value")
            .row("requests released together", answers.size())
            .row("succeeded (200)", succeeded);
    for (int g = 0; g < gateways.size(); g++) {
      table.row("  of which through gateway " + (g + 1), perGateway[g]);
    }
    table
        .row("refused 429", statuses.getOrDefault(429, 0))
        .row("all statuses", statuses.toString())
        .row("429 without retry-after", withoutRetryAfter)
        .row("answers without x-ratelimit-*-requests", withoutLimitHeaders)
        .row("longest retry-after s", longestRetryAfter)
        .row("burst wall time s", String.format(Locale.ROOT, "%.2f", seconds))
        .print();

    assertThat(statuses.keySet()).as("only 200 and 429").isSubsetOf(200, 429);
    assertThat(succeeded).isBetween(1, 60);
    assertThat(withoutRetryAfter).isZero();
    assertThat(withoutLimitHeaders).isZero();
    assertThat(longestRetryAfter).isBetween(1L, 60L);
  }
}
