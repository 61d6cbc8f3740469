package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * An upgrade as an operator rolls one out (docs/deployment.md, "Upgrades"): three gateways of the
 * release before (version N: this repository at {@link #PREVIOUS}, built from its own sources into
 * {@code target/}, once) on ClusterTest's set-up (network namespaces, nginx, the machine's Redis
 * and PostgreSQL), replaced one at a time by this build (N+1) under steady load. The first N+1 runs
 * the request log's expand step while N gateways serve; its contract step (the drop of {@code
 * attempt_count}, which N still writes) runs on its own once the last N is gone. No request fails,
 * no log row is lost; the stored responses' sweep runs once a round for the three, not once each.
 */
@EnabledIfSystemProperty(named = "switchboard.cluster.jar", matches = ".+")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpgradeTest {
  /**
   * Version N: the last commit of main before the node registry and the request log's generation 2
   * (overridden by {@code -Dswitchboard.upgrade.from=COMMIT}).
   */
  static final String PREVIOUS =
      System.getProperty("switchboard.upgrade.from", "76a155ae92ba7c4881a644d5579c5cda2b400109");

  final ClusterTest cluster = new ClusterTest();
  Path previous;

  @BeforeAll
  void startTheReleaseBefore() throws Exception {
    previous = previousRelease();
    cluster.release = previous;
    // A round of a second, so that a minute of the test holds many: the sweep is the singleton job
    // whose runs are counted.
    cluster.moreSettings.put("SWITCHBOARD_RESPONSES_SWEEP_INTERVAL", "1s");
    cluster.startTheCluster();
  }

  @AfterAll
  void stopTheCluster() throws Exception {
    cluster.stopTheCluster();
  }

  @Test
  void
      gatewaysReplacedOneAtATimeByTheNextReleaseAcrossAnExpandAndAContractFailNoRequestAndLoseNoRow()
          throws Exception {
    long began = System.nanoTime();
    String key = cluster.createKey("{\"name\":\"upgrade\"}").get("key").asText();
    ClusterTest.Load load = cluster.new Load(key, "upgrade", 4);
    try (load) {
      // N makes its log's table at start, or at its first write when the database was slow.
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (column("attempt_count") == null && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
      assertThat(column("attempt_count")).isEqualTo("NO"); // N's schema: NOT NULL
      for (int i = 0; i < cluster.nodes.size(); i++) {
        ClusterTest.Node node = cluster.nodes.get(i);
        cluster.nginx.onlyWithout(i);
        node.process.process.destroy();
        assertThat(node.process.process.waitFor()).isEqualTo(0);
        node.process.close();
        node.jar = ClusterTest.jar();
        node.start();
        cluster.nginx.onlyWithout(-1);
        if (i == 0) {
          // Expanded while two gateways of N serve: the column N writes and N+1 does not is
          // nullable, and stays until no N is left.
          // (At its start, or at its first write when the database was slow then.)
          long expandedBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
          while (!applied("expand") && System.nanoTime() < expandedBy) {
            Thread.sleep(250);
          }
          assertThat(applied("expand")).as(node.process.output()).isTrue();
          assertThat(column("attempt_count")).isEqualTo("YES");
          assertThat(applied("contract")).isFalse();
          Thread.sleep(3_000); // a few heartbeats with N alive: the contract waits
          assertThat(applied("contract")).isFalse();
        }
      }
      long upgraded = System.nanoTime();
      awaitOutput("schema contracted to generation 2", Duration.ofSeconds(30));
      Duration contractedAfter = Duration.ofNanos(System.nanoTime() - upgraded);
      assertThat(column("attempt_count")).isNull();

      // The sweep over 8 s on three gateways of N+1.
      long[] before = sweeps();
      Thread.sleep(8_000);
      long[] after = sweeps();
      long runs = after[0] - before[0];
      long rounds = after[1] - before[1];
      load.stop();
      ClusterTest.Logged logged = cluster.awaitLogged("upgrade", load.ok.get());
      System.out.printf(
          "cluster upgrade: 3 gateways from %s to this build under load: %d requests answered,"
              + " %d failed, %d logged; contract %d ms after the last N stopped; the responses'"
              + " sweep ran %d times in %d rounds of 1 s on 3 gateways; %d s in all%n",
          PREVIOUS.substring(0, 10),
          load.ok.get(),
          load.failed.size(),
          logged.requests(),
          contractedAfter.toMillis(),
          runs,
          rounds,
          Duration.ofNanos(System.nanoTime() - began).toSeconds());
      assertThat(load.failed).isEmpty();
      assertThat(logged.requests()).isEqualTo(load.ok.get());
      assertThat(runs).isBetween(Math.max(1, rounds - 2), rounds + 1);
    }
  }

  /** The sweep's runs so far ({@code switchboard_jobs}) and the current round (seconds). */
  long[] sweeps() throws SQLException {
    try (Connection connection = database();
        ResultSet row =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT runs, CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)"
                        + " FROM switchboard_jobs WHERE job = 'responses-retention'")) {
      assertThat(row.next()).isTrue();
      return new long[] {row.getLong(1), row.getLong(2)};
    }
  }

  /** Whether {@code requests.column} is nullable ({@code YES}, {@code NO}), {@code null}: none. */
  String column(String column) throws SQLException {
    return firstValue(
        "SELECT is_nullable FROM information_schema.columns WHERE table_name = 'requests'"
            + " AND column_name = ?",
        column);
  }

  /** Whether the request log's step of generation 2 of {@code phase} is recorded as applied. */
  boolean applied(String phase) throws SQLException {
    return firstValue(
            "SELECT phase FROM switchboard_schema WHERE component = 'logs' AND generation = 2"
                + " AND phase = ?",
            phase)
        != null;
  }

  String firstValue(String sql, String parameter) throws SQLException {
    try (Connection connection = database();
        var query = connection.prepareStatement(sql)) {
      query.setString(1, parameter);
      try (ResultSet row = query.executeQuery()) {
        return row.next() ? row.getString(1) : null;
      }
    }
  }

  /**
   * A short session on the cluster's database. The contract step waits while a session of no
   * registered gateway is open, so the test holds none for long.
   */
  Connection database() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:5432/" + cluster.database + "?user=postgres");
  }

  void awaitOutput(String line, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (ClusterTest.Node node : cluster.nodes) {
        if (node.process.output().contains(line)) {
          return;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no gateway wrote \"" + line + "\" within " + timeout);
  }

  /**
   * The jar of {@link #PREVIOUS}, built once from that commit's sources ({@code git archive}) with
   * this build's Maven (offline when the local repository has what it needs) into {@code
   * target/upgrade-from-COMMIT/switchboard.jar}, where later runs find it.
   */
  static Path previousRelease() throws IOException, InterruptedException {
    Path target = ClusterTest.jar().toAbsolutePath().getParent();
    Path cached =
        target.resolve("upgrade-from-" + PREVIOUS.substring(0, 12)).resolve("switchboard.jar");
    if (Files.isRegularFile(cached)) {
      return cached;
    }
    Path root = Path.of(NetworkNamespace.run("git", "rev-parse", "--show-toplevel").strip());
    Path sources = cached.getParent().resolve("src");
    deleteTree(sources);
    Files.createDirectories(sources);
    NetworkNamespace.run(
        "sh",
        "-c",
        "git -C \"$0\" archive \"$1\" | tar -x -C \"$2\"",
        root.toString(),
        PREVIOUS,
        sources.toString());
    long started = System.nanoTime();
    List<String> build =
        new ArrayList<>(
            List.of(
                "./mvnw",
                "-B",
                "-ntp",
                "-q",
                "-o",
                "-DskipTests",
                "-Djazzer.skip",
                "-Dspotless.skip",
                "-pl",
                "switchboard-server",
                "-am",
                "package"));
    int exit = maven(sources, build);
    if (exit != 0) {
      build.remove("-o"); // what the local repository lacks, fetched once
      exit = maven(sources, build);
    }
    assertThat(exit).as("building %s (see %s)", PREVIOUS, sources.resolve("build.log")).isZero();
    Files.copy(
        sources.resolve("switchboard-server/target/switchboard.jar"),
        cached,
        StandardCopyOption.REPLACE_EXISTING);
    System.out.printf(
        "cluster upgrade: built %s in %d s%n",
        PREVIOUS.substring(0, 10), Duration.ofNanos(System.nanoTime() - started).toSeconds());
    deleteTree(sources);
    return cached;
  }

  private static int maven(Path directory, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("build.log").toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return builder.start().waitFor();
  }

  private static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
