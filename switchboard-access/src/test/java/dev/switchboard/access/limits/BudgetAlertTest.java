package dev.switchboard.access.limits;

import static dev.switchboard.access.limits.LimitsFixture.budget;
import static dev.switchboard.access.limits.LimitsFixture.gateway;
import static dev.switchboard.access.limits.LimitsFixture.hi;
import static dev.switchboard.access.limits.LimitsFixture.race;
import static dev.switchboard.access.limits.LimitsFixture.stage;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A budget's alert thresholds (and its limit) are each told once per period, by a WARN line and a
 * JSON POST to the webhook, even when two gateways settle requests at the same time.
 */
@Timeout(120)
class BudgetAlertTest {
  private static final String CANARY_KEY = "sbk-CanaryGatewayKeyThatMustNeverBeLogged0000000";
  private static final String HOOK_SECRET = "hook-secret-7d1f";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BlockingQueue<JsonNode> posted = new LinkedBlockingQueue<>();
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private HttpServer webhook;

  @BeforeEach
  void start() throws Exception {
    webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    webhook.createContext(
        "/alerts",
        exchange -> {
          posted.add(JSON.readTree(exchange.getRequestBody()));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    webhook.start();
    lines.start();
    logger().addAppender(lines);
  }

  @AfterEach
  void stop() {
    logger().detachAppender(lines);
    webhook.stop(0);
  }

  @Test
  void eachThresholdAlertsOncePerPeriod() throws Exception {
    LimitsFixture.MovableClock clock =
        new LimitsFixture.MovableClock(Instant.parse("2026-03-10T08:00:00Z"));
    Subject key = LimitsFixture.key(budget("1.00", Period.DAY, half(), eightTenths()));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, hook(), clock);
        Gateway gateway = gateway(stage(limiter, key), clock)) {
      for (int i = 0; i < 12; i++) {
        try {
          gateway.chat(hi(), withKey());
        } catch (dev.switchboard.engine.errors.LimitExceededException spent) {
          // the last two find the budget spent
        }
      }

      // Each alert is posted on its own, so they may arrive in any order; each says its threshold.
      assertThat(thresholdsPosted(3)).containsExactlyInAnyOrder("0.5", "0.8", "1");
      // Each post follows its log line, written when the threshold was claimed: three lines, three
      // claims, no post more.
      assertThat(alertLines()).hasSize(3);

      clock.advance(Duration.ofDays(1));
      for (int i = 0; i < 5; i++) {
        gateway.chat(hi(), withKey());
      }
      assertThat(thresholdsPosted(1)).containsExactly("0.5");
      assertThat(alertLines()).hasSize(4);
    }
  }

  @Test
  void twoNodesRacingAlertEachThresholdOnce() throws Exception {
    String url = LimitsFixture.postgresUrl();
    Subject key = LimitsFixture.key(budget("1.00", Period.MONTH, half(), eightTenths()));
    try (HikariDataSource dataA = LimitsFixture.pool(url);
        HikariDataSource dataB = LimitsFixture.pool(url);
        Limiter limiterA = Limiters.create(dataA, true, null, hook(), Clock.systemUTC());
        Limiter limiterB = Limiters.create(dataB, true, null, hook(), Clock.systemUTC());
        Gateway nodeA = gateway(stage(limiterA, key), Clock.systemUTC());
        Gateway nodeB = gateway(stage(limiterB, key), Clock.systemUTC())) {
      race(100, i -> () -> (i % 2 == 0 ? nodeA : nodeB).chat(hi(), withKey()));

      assertThat(thresholdsPosted(3)).containsExactlyInAnyOrder("0.5", "0.8", "1");
      assertThat(alertLines()).hasSize(3);
    }
  }

  @Test
  void theAlertNamesTheSubjectAndFiguresAndNoSecret() throws Exception {
    Subject key = LimitsFixture.key(budget("0.20", Period.MONTH, half()));
    try (HikariDataSource data = LimitsFixture.h2();
        Limiter limiter = Limiters.create(data, false, null, hook(), Clock.systemUTC());
        Gateway gateway = gateway(stage(limiter, key), Clock.systemUTC())) {
      gateway.chat(hi(), withKey());

      JsonNode alert = posted.poll(10, TimeUnit.SECONDS);
      assertThat(alert).isNotNull();
      assertThat(alert.path("type").asText()).isEqualTo("budget_alert");
      assertThat(alert.path("subject").asText()).isEqualTo(key.qualifiedName());
      assertThat(alert.path("period").asText()).isEqualTo("month");
      assertThat(alert.path("threshold").decimalValue()).isEqualByComparingTo(half());
      assertThat(alert.path("spent_usd").asText()).isEqualTo("0.1");
      assertThat(alert.path("limit_usd").asText()).isEqualTo("0.20");
      assertThat(alert.toString()).doesNotContain(CANARY_KEY);
      assertThat(alertLines())
          .singleElement()
          .satisfies(line -> {
            assertThat(line).contains(key.qualifiedName(), "threshold=0.5", "spent_usd=0.1");
            assertThat(line).doesNotContain(CANARY_KEY).doesNotContain(HOOK_SECRET);
          });
    }
  }

  private URI hook() {
    return URI.create(
        "http://127.0.0.1:" + webhook.getAddress().getPort() + "/alerts?token=" + HOOK_SECRET);
  }

  private static RequestOptions withKey() {
    return RequestOptions.builder().provider("mock").gatewayKey(CANARY_KEY).build();
  }

  /** The thresholds of the next {@code count} posts, waiting for each (bounded). */
  private List<String> thresholdsPosted(int count) throws InterruptedException {
    List<String> thresholds = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonNode alert = posted.poll(10, TimeUnit.SECONDS);
      assertThat(alert).as("alert %d of %d", i + 1, count).isNotNull();
      thresholds.add(alert.path("threshold").decimalValue().stripTrailingZeros().toPlainString());
    }
    return thresholds;
  }

  private List<String> alertLines() {
    return lines.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(line -> line.startsWith("budget alert:"))
        .toList();
  }

  private static Logger logger() {
    return (Logger) LoggerFactory.getLogger(BudgetAlerts.class);
  }

  private static BigDecimal half() {
    return new BigDecimal("0.5");
  }

  private static BigDecimal eightTenths() {
    return new BigDecimal("0.8");
  }
}
