package dev.switchboard.access.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.engine.cluster.ClusterNode;
import dev.switchboard.engine.cluster.NodeRegistry;
import dev.switchboard.engine.cluster.SchemaMigrations;
import dev.switchboard.engine.cluster.SchemaMigrations.Phase;
import dev.switchboard.engine.cluster.SchemaMigrations.Step;
import dev.switchboard.engine.cluster.SingletonJobs;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gateways sharing the machine's real PostgreSQL (a database of the test's own), each a pool of its
 * own as each gateway has: the schema's expand and contract steps and the singleton jobs.
 */
class ClusterCoordinationTest {
  static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  final String database = "switchboard_coordination_" + System.nanoTime();
  final String url = SERVER + database + "?user=postgres";
  final List<HikariDataSource> pools = new ArrayList<>();

  static final List<Step> STEPS =
      List.of(
          new Step(
              "widgets",
              2,
              Phase.EXPAND,
              List.of("ALTER TABLE widgets ADD COLUMN IF NOT EXISTS size INTEGER")),
          new Step(
              "widgets",
              2,
              Phase.CONTRACT,
              List.of("ALTER TABLE widgets DROP COLUMN IF EXISTS legacy")));

  @BeforeEach
  void createDatabase() throws SQLException {
    try (Connection connection = DriverManager.getConnection(SERVER + "postgres?user=postgres")) {
      connection.createStatement().execute("CREATE DATABASE " + database);
    }
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    pools.forEach(HikariDataSource::close);
    try (Connection connection = DriverManager.getConnection(SERVER + "postgres?user=postgres")) {
      connection.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  HikariDataSource gateway() {
    HikariDataSource pool = AccessStore.pool(url, "test");
    pools.add(pool);
    return pool;
  }

  void expand(HikariDataSource gateway) throws SQLException {
    SchemaMigrations.expand(
        gateway,
        connection ->
            connection
                .createStatement()
                .execute(
                    "CREATE TABLE IF NOT EXISTS widgets (id INTEGER PRIMARY KEY, legacy INTEGER)"),
        STEPS);
  }

  @Test
  void expandRunsOnceAndContractWaitsForAnOlderNodeAndForSessionsOfNoRegisteredNode()
      throws Exception {
    HikariDataSource gateway = gateway();
    expand(gateway);
    expand(gateway);
    assertThat(columns(gateway)).contains("size", "legacy");
    assertThat(count(gateway, "SELECT count(*) FROM switchboard_schema")).isEqualTo(1);

    try (NodeRegistry registry = NodeRegistry.join(gateway, "widgets", STEPS)) {
      // A node of generation 1 beat a moment ago: it may still write the column.
      run(
          gateway,
          "INSERT INTO switchboard_nodes VALUES ('old-node', 1, '0.9', 0, "
              + System.currentTimeMillis()
              + ")");
      assertThat(registry.contractNow(false).waitingFor())
          .contains("old-node")
          .contains("generation 1");
      assertThat(columns(gateway)).contains("legacy");

      // A session of no registered gateway (as a gateway of a release before the registry holds).
      try (Connection unregistered = DriverManager.getConnection(url)) {
        run(gateway, "DELETE FROM switchboard_nodes WHERE id = 'old-node'");
        assertThat(registry.contractNow(false).waitingFor())
            .isEqualTo(
                "1 session(s) of no registered gateway (a gateway of an earlier release, or"
                    + " another client)");
        assertThat(columns(gateway)).contains("legacy");
        // The operator's command counts registered nodes only.
        SchemaMigrations.Contracted contracted = registry.contractNow(true);
        assertThat(contracted.applied()).containsExactly(STEPS.get(1));
      }
      assertThat(columns(gateway)).contains("size").doesNotContain("legacy");
      assertThat(registry.waitingFor()).isNull();
    }
    // The node's row goes when it closes.
    assertThat(count(gateway, "SELECT count(*) FROM switchboard_nodes")).isZero();
  }

  @Test
  void contractRunsOnItsOwnOnceTheOlderNodeStopsBeating() throws Exception {
    HikariDataSource gateway = gateway();
    expand(gateway);
    run(
        gateway,
        "INSERT INTO switchboard_nodes VALUES ('old-node', 1, '0.9', 0, "
            + (System.currentTimeMillis() - NodeRegistry.LIVE_FOR.toMillis() + 3_000)
            + ")");
    try (NodeRegistry registry = NodeRegistry.join(gateway, "widgets", STEPS)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (columns(gateway).contains("legacy") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(columns(gateway)).doesNotContain("legacy");
      assertThat(
              count(
                  gateway,
                  "SELECT count(*) FROM switchboard_schema WHERE phase = 'contract' AND applied_by = '"
                      + ClusterNode.id()
                      + "'"))
          .isEqualTo(1);
    }
  }

  @Test
  void aJobByRoundsRunsOncePerRoundAcrossThreeGatewaysNotOncePerGateway() throws Exception {
    List<HikariDataSource> gateways = List.of(gateway(), gateway(), gateway());
    expand(gateways.get(0));
    Duration round = Duration.ofMillis(300);
    Map<Long, AtomicInteger> runsByRound = new ConcurrentHashMap<>();
    Set<String> outcomes = ConcurrentHashMap.newKeySet();
    AtomicInteger failures = new AtomicInteger();
    long until = System.currentTimeMillis() + 4_000;
    List<Thread> threads = new ArrayList<>();
    for (HikariDataSource node : gateways) {
      threads.add(
          Thread.ofVirtual()
              .start(() -> {
                while (System.currentTimeMillis() < until) {
                  try {
                    outcomes.add(
                        SingletonJobs.runOncePerRound(
                                node,
                                "sweep",
                                round,
                                Clock.systemUTC(),
                                () -> {
                                  long current = System.currentTimeMillis() / round.toMillis();
                                  runsByRound
                                      .computeIfAbsent(current, r -> new AtomicInteger())
                                      .incrementAndGet();
                                  sleep(50); // long enough for the others to try meanwhile
                                  return 0;
                                })
                            .name());
                    sleep(20);
                  } catch (SQLException e) {
                    failures.incrementAndGet();
                  }
                }
              }));
    }
    for (Thread thread : threads) {
      thread.join();
    }
    long runs = runsByRound.values().stream().mapToInt(AtomicInteger::get).sum();
    System.out.printf(
        "singleton job: 3 gateways trying every 20 ms for 4 s, rounds of 300 ms: %d runs in %d"
            + " rounds (%s)%n",
        runs, runsByRound.size(), outcomes);
    assertThat(failures).hasValue(0);
    assertThat(runsByRound.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(runsByRound.size()).isBetween(5, 15);
    assertThat(outcomes).contains("RAN", "LOCKED", "DONE");
    assertThat(count(gateways.get(0), "SELECT runs FROM switchboard_jobs WHERE job = 'sweep'"))
        .isEqualTo(runs);
  }

  @Test
  void aJobWithoutRoundsIsSkippedWhileAnotherGatewayRunsIt() throws Exception {
    HikariDataSource first = gateway();
    HikariDataSource second = gateway();
    expand(first);
    List<SingletonJobs.Outcome> inside = new ArrayList<>();
    SingletonJobs.Outcome outer =
        SingletonJobs.runAlone(
            first,
            "reencrypt",
            () -> {
              try {
                inside.add(SingletonJobs.runAlone(second, "reencrypt", () -> 1));
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
              return 1;
            });
    assertThat(outer).isEqualTo(SingletonJobs.Outcome.RAN);
    assertThat(inside).containsExactly(SingletonJobs.Outcome.LOCKED);
    assertThat(SingletonJobs.runAlone(second, "reencrypt", () -> 1))
        .isEqualTo(SingletonJobs.Outcome.RAN);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static List<String> columns(HikariDataSource gateway) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection connection = gateway.getConnection();
        ResultSet rows =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets'")) {
      while (rows.next()) {
        columns.add(rows.getString(1));
      }
    }
    return columns;
  }

  static long count(HikariDataSource gateway, String sql) throws SQLException {
    try (Connection connection = gateway.getConnection();
        ResultSet row = connection.createStatement().executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  static void run(HikariDataSource gateway, String sql) throws SQLException {
    try (Connection connection = gateway.getConnection()) {
      connection.createStatement().execute(sql);
    }
  }
}
