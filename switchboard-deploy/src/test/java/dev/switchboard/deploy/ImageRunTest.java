package dev.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The image the build made (target/switchboard-image.tar), run with podman as a user would run it:
 * a read-only root filesystem, /tmp and /data writable, no key. The {@code image-run} execution
 * runs it in {@code integration-test}, after Jib wrote the tarball. Where podman is missing or
 * cannot start a container, it is skipped and says why, and with {@code CI} set it fails ({@code
 * .ci/run} installs podman and runc); with {@code -Dimage.skip} no image was built, and it is
 * skipped. A container that starts and then misbehaves always fails it.
 *
 * <p>Two things a host may need, which the test gives podman itself: on a host whose cgroups are v1
 * or hybrid (no {@code /sys/fs/cgroup/cgroup.controllers}), crun refuses to start a container
 * ("cgroups in hybrid mode not supported"), so runc is named; and podman, run by root, raises a
 * container's open-file and process limits to 1,048,576 and 32,768, which a root without
 * CAP_SYS_RESOURCE (as in a container or a sandboxed VM) may not do, so limits the gateway needs
 * and no host refuses are given instead. {@code -Dimage.run.podman-args=…} adds more arguments to
 * {@code podman run}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageRunTest {
  private static final Path IMAGE = Path.of("target", "switchboard-image.tar");
  private static final String NAME = "switchboard-image-run-test";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static URI gateway;
  private static String tag;

  @BeforeAll
  static void runTheImage() throws Exception {
    if (Boolean.getBoolean("image.skip")) {
      Assumptions.abort("no image was built (image.skip)");
    }
    assertThat(IMAGE).as("the image tarball; build it with ./mvnw package").exists();
    Result version = podman("--version");
    if (version.exitCode() != 0) {
      cannotRun("podman is not installed (apt-get install -y podman runc): " + version);
    }
    Result loaded = podman("load", "-q", "-i", IMAGE.toString());
    assertThat(loaded.exitCode()).as("podman load: %s", loaded).isZero();
    tag = loaded.output().strip().replaceFirst("^Loaded image(\\(s\\))?: ", "");
    podman("rm", "-f", NAME);
    int port = freePort();
    List<String> run = new ArrayList<>(List.of("run", "-d", "--name", NAME));
    run.addAll(hostArgs());
    run.addAll(
        List.of(
            "--read-only",
            "--tmpfs",
            "/tmp",
            "--tmpfs",
            "/data:mode=1777",
            "-e",
            "SWITCHBOARD_SERVER_ALLOW_UNAUTHENTICATED=true",
            "-e",
            "SWITCHBOARD_SERVER_DRAIN_TIMEOUT=5s",
            "-p",
            "127.0.0.1:" + port + ":8787",
            tag));
    Result started = podman(run.toArray(String[]::new));
    if (started.exitCode() != 0) {
      cannotRun(
          "podman cannot start a container here (podman "
              + String.join(" ", run)
              + "): "
              + started);
    }
    gateway = URI.create("http://127.0.0.1:" + port);
    awaitHealth();
  }

  /** Podman is missing or cannot start a container: a skip that says why, a failure in CI. */
  private static void cannotRun(String reason) {
    if (System.getenv("CI") != null) {
      Assertions.fail(reason);
    }
    Assumptions.abort(reason + " (CI would fail here)");
  }

  @AfterAll
  static void removeTheContainer() throws Exception {
    podman("rm", "-f", NAME);
  }

  @Test
  void runsAsTheNonRootUserOnAReadOnlyRootFilesystem() throws Exception {
    long pid =
        Long.parseLong(podman("inspect", "--format", "{{.State.Pid}}", NAME).output().strip());
    List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
    List<String> mounts = Files.readAllLines(Path.of("/proc", Long.toString(pid), "mountinfo"));

    assertThat(status)
        .filteredOn(line -> line.startsWith("Uid:"))
        .singleElement()
        .satisfies(line -> assertThat(line.split("\\s+")).containsOnly("Uid:", "10001"));
    String root =
        mounts.stream()
            .filter(line -> line.split(" ")[4].equals("/"))
            .reduce((first, second) -> second)
            .orElseThrow();
    assertThat(Arrays.asList(root.split(" ")[5].split(","))).contains("ro");
    assertThat(
            mounts.stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields[4].equals("/tmp") || fields[4].equals("/data"))
                .map(
                    fields -> fields[4] + " " + Arrays.asList(fields[5].split(",")).contains("rw")))
        .as("/tmp and /data, mounted writable")
        .containsExactlyInAnyOrder("/tmp true", "/data true");
  }

  /** The chart's probes: liveness and startup ask /v1/health, readiness /v1/health/ready. */
  @Test
  void answersItsProbes() throws Exception {
    HttpResponse<String> health = get("/v1/health");
    HttpResponse<String> ready = get("/v1/health/ready");

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"success\"");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(ready.body()).contains("\"status\":\"ready\"");
  }

  @Test
  void servesTheMockProviderWithNoKey() throws Exception {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(gateway.resolve("/v1/chat/completions"))
                .header("content-type", "application/json")
                .header("x-portkey-provider", "mock")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        {"model":"mock-chat","messages":[{"role":"user","content":"Hello, image"}]}
                        """))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("\"object\":\"chat.completion\"");
  }

  @Test
  void startsWithoutAnError() throws Exception {
    String logs = podman("logs", NAME).output();

    assertThat(logs).doesNotContain("Exception").doesNotContain(" ERROR ");
  }

  /** Last: SIGTERM, as Kubernetes sends it after the preStop hook, drains and exits 0. */
  @Test
  @Order(Integer.MAX_VALUE)
  void drainsAndExitsZeroOnSigterm() throws Exception {
    Result stopped = podman("stop", "-t", "30", NAME);

    assertThat(stopped.exitCode()).as("podman stop: %s", stopped).isZero();
    assertThat(podman("inspect", "--format", "{{.State.ExitCode}}", NAME).output().strip())
        .isEqualTo("0");
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(gateway.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Waits for the gateway to answer its health route, or for its container to have stopped. */
  private static void awaitHealth() throws Exception {
    for (int tries = 0; tries < 120; tries++) {
      Optional<Integer> status = healthStatus();
      if (status.isPresent() && status.get() == 200) {
        return;
      }
      String state = podman("inspect", "--format", "{{.State.Status}}", NAME).output().strip();
      if (!state.equals("running")) {
        throw new AssertionError(
            "the container is " + state + "; its output:\n" + podman("logs", NAME).output());
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "the gateway did not answer /v1/health; its output:\n" + podman("logs", NAME).output());
  }

  private static Optional<Integer> healthStatus() {
    try {
      return Optional.of(get("/v1/health").statusCode());
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The arguments of {@code podman run} this host needs (see the class's comment). */
  private static List<String> hostArgs() {
    List<String> args = new ArrayList<>();
    if (!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
      args.addAll(List.of("--runtime", "runc"));
    }
    args.addAll(List.of("--ulimit", "nofile=16384:16384", "--ulimit", "nproc=8192:8192"));
    String extra = System.getProperty("image.run.podman-args", "").strip();
    if (!extra.isEmpty()) {
      args.addAll(List.of(extra.split("\\s+")));
    }
    return args;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private record Result(int exitCode, String output) {}

  /** Runs podman with {@code args}, its standard error with its output; -1 when it is missing. */
  private static Result podman(String... args) throws InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
      }
      return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, "podman: " + e.getMessage());
    }
  }
}
