package dev.switchboard.access.limits;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.Budget;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Period;
import dev.switchboard.access.Subject;
import dev.switchboard.access.UnpricedRates;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/** What the limits tests share: databases, a priced mock model, gateways, and racing requests. */
final class LimitsFixture {
  static final String REDIS_URL = "redis://127.0.0.1:6379";

  /**
   * The mock provider answers {@code "Mock reply. You said: hi"} to {@code hi}: 5 completion words,
   * which it counts as tokens. At $20,000 per million output tokens and nothing for input, that
   * answer costs exactly $0.10, and with {@code max_tokens} 5 so does its estimate.
   */
  static final String MODEL = "priced-mock";

  static final BigDecimal TEN_CENTS = new BigDecimal("0.10");

  /** A model without a price: $10 a million prompt tokens, $50 completion; $0.25 a raw request. */
  static final UnpricedRates UNPRICED =
      new UnpricedRates(new BigDecimal("10"), new BigDecimal("50"), new BigDecimal("0.25"));

  static {
    // The fakes and pools log at DEBUG by default; the tests read only what they assert.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.WARN);
  }

  private LimitsFixture() {}

  static PriceTable prices() {
    String json =
        """
        {"providers": {
          "mock": {"models": {"priced-mock": {"input": 0, "output": 20000}}},
          "openai": {"models": {"priced-openai": {"input": 0, "output": 20000}}}
        }}
        """;
    return PriceTable.shipped()
        .overriddenBy(
            PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))));
  }

  static HikariDataSource h2() {
    return pool("jdbc:h2:mem:limits-" + UUID.randomUUID() + ";MODE=PostgreSQL;DB_CLOSE_DELAY=-1");
  }

  static HikariDataSource pool(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(10);
    return new HikariDataSource(config);
  }

  /** A fresh PostgreSQL schema's URL; each node opens its own pool on it. */
  static String postgresUrl() {
    return TestPostgres.freshSchemaUrl();
  }

  static Subject key(Limits limits) {
    return new Subject(
        Subject.Kind.KEY, "key_" + UUID.randomUUID().toString().substring(0, 8), limits);
  }

  static Limits budget(String usd, Period period, BigDecimal... thresholds) {
    return new Limits(
        null, null, new Budget(new BigDecimal(usd), null, period, List.of(thresholds)));
  }

  static Limits requestsPerMinute(long rpm) {
    return new Limits(rpm, null, null);
  }

  static Gateway gateway(LimitStage stage, Clock clock) {
    return gateway(stage, clock, GatewaySettings.builder().prices(prices()).build());
  }

  static Gateway gateway(LimitStage stage, Clock clock, GatewaySettings settings) {
    return Gateway.builder()
        .settings(settings)
        .clock(clock)
        .admission(stage)
        .recordSink(stage)
        .build();
  }

  static LimitStage stage(Limiter limiter, Subject... subjects) {
    List<Subject> held = List.of(subjects);
    Function<dev.switchboard.engine.pipeline.Request, List<Subject>> who = request -> held;
    return new LimitStage(limiter, prices(), UNPRICED, who);
  }

  static ChatRequest hi() {
    return hi(false);
  }

  static ChatRequest hi(boolean stream) {
    return WireJson.read(
        "{\"model\":\""
            + MODEL
            + "\",\"max_tokens\":5,"
            + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        ChatRequest.class);
  }

  static RequestOptions mock() {
    return RequestOptions.builder().provider("mock").build();
  }

  /** What each of a race's requests came to: answered, or the gateway error it got. */
  record Result(boolean answered, GatewayException error) {}

  /**
   * Runs {@code count} calls on virtual threads, all released together by a latch, and waits for
   * them (bounded).
   */
  static List<Result> race(int count, IntFunction<Runnable> call) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Result>> futures = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < count; i++) {
        Runnable each = call.apply(i);
        futures.add(
            threads.submit(() -> {
              start.await();
              try {
                each.run();
                return new Result(true, null);
              } catch (GatewayException error) {
                return new Result(false, error);
              }
            }));
      }
      start.countDown();
      List<Result> results = new ArrayList<>();
      for (Future<Result> future : futures) {
        results.add(future.get(60, TimeUnit.SECONDS));
      }
      return results;
    }
  }

  static long answered(List<Result> results) {
    return results.stream().filter(Result::answered).count();
  }

  /** Deletes the Redis rate buckets of {@code subject}. */
  static void deleteRateBuckets(Subject subject) {
    try (RedisClient redis = RedisClient.create("127.0.0.1", 6379)) {
      for (String key : redis.keys(RateBuckets.PREFIX + subject.qualifiedName() + ":*")) {
        redis.del(key);
      }
    }
  }

  /** A clock tests move by hand. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
