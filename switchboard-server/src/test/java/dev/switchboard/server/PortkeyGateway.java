package dev.switchboard.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Portkey's open-source gateway ({@code @portkey-ai/gateway}, from the npm registry, installed into
 * {@code target/}; nothing of Portkey's is kept in the repository) running in a private network
 * namespace, and the bridges that let this JVM and Portkey reach each other.
 *
 * <p>Portkey binds every interface, so it runs only inside {@code unshare -rn} (a user and network
 * namespace whose only network is its own loopback, brought up with {@code ip link set lo up}).
 * Unix domain sockets are files and reach across network namespaces, so in the namespace {@code
 * bridge.mjs} (a test resource, on Node's {@code net}) relays a socket file to Portkey's port, and
 * the namespace's {@code 127.0.0.1:<port>} of each upstream to a socket file; outside, {@link
 * UnixSocketRelay}s relay a loopback port of this JVM to the first, and each upstream's socket file
 * to the fake's own loopback port. A fake thus has the same URL ({@code http://127.0.0.1:<port>})
 * for Portkey as for Switchboard, and the same request (a config with that URL in it) is sent to
 * both byte for byte.
 */
final class PortkeyGateway implements AutoCloseable {
  static final String VERSION = "1.15.2";
  static final Path INSTALL_DIR = Path.of("target", "portkey-gateway").toAbsolutePath();
  static final Path BRIDGE =
      Path.of("src", "test", "resources", "differential", "bridge.mjs").toAbsolutePath();
  private static final int PORT_IN_NAMESPACE = 8787;
  private static final Duration START_TIME = Duration.ofSeconds(60);

  private final Process process;
  private final Path sockets;
  private final List<UnixSocketRelay> relays;
  private final UnixSocketRelay front;
  private final Path log;

  private PortkeyGateway(
      Process process,
      Path sockets,
      List<UnixSocketRelay> relays,
      UnixSocketRelay front,
      Path log) {
    this.process = process;
    this.sockets = sockets;
    this.relays = relays;
    this.front = front;
    this.log = log;
  }

  /**
   * Installs Portkey's gateway into {@link #INSTALL_DIR} unless it is there, with npm {@code
   * overrides} pinning {@code @hono/node-server} 1.13.5 and {@code @hono/node-ws} 1.2.0 (newer ones
   * break its streams).
   *
   * @return the output of npm, empty when nothing was installed
   */
  static String install() throws IOException, InterruptedException {
    Path installed =
        INSTALL_DIR.resolve("node_modules/@portkey-ai/gateway/package.json").toAbsolutePath();
    if (Files.exists(installed)
        && Files.readString(installed).contains("\"version\": \"" + VERSION + "\"")) {
      return "";
    }
    Files.createDirectories(INSTALL_DIR);
    Files.writeString(
        INSTALL_DIR.resolve("package.json"),
        """
        {
          "private": true,
          "dependencies": { "@portkey-ai/gateway": "%s" },
          "overrides": { "@hono/node-server": "1.13.5", "@hono/node-ws": "1.2.0" }
        }
        """
            .formatted(VERSION));
    Process npm =
        new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(INSTALL_DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0) {
      npm.destroyForcibly();
      throw new IOException("npm install of @portkey-ai/gateway failed:\n" + output);
    }
    return output;
  }

  /**
   * Starts Portkey in its namespace, able to reach each of {@code upstreamPorts} at {@code
   * http://127.0.0.1:<port>} as this JVM can, and waits until it answers.
   */
  static PortkeyGateway start(List<Integer> upstreamPorts)
      throws IOException, InterruptedException {
    Path sockets = Files.createTempDirectory("portkey-diff");
    List<UnixSocketRelay> relays = new ArrayList<>();
    for (int port : upstreamPorts) {
      relays.add(
          UnixSocketRelay.fromSocketFileTo(sockets.resolve("upstream-" + port + ".sock"), port));
    }
    Path server = INSTALL_DIR.resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "-rn",
                "sh",
                "-c",
                "ip link set lo up && { node \"$0\" --port=\"$1\" --headless >\"$2\" 2>&1 & }"
                    + " && shift 2 && exec node \"$@\"",
                server.toString(),
                Integer.toString(PORT_IN_NAMESPACE),
                sockets.resolve("portkey.log").toString(),
                BRIDGE.toString(),
                sockets.toString(),
                Integer.toString(PORT_IN_NAMESPACE)));
    upstreamPorts.forEach(port -> command.add(Integer.toString(port)));
    Path log = sockets.resolve("bridge.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(() -> {
          try (BufferedReader lines =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
              Files.writeString(
                  log,
                  line + "\n",
                  java.nio.file.StandardOpenOption.CREATE,
                  java.nio.file.StandardOpenOption.APPEND);
              if (line.equals("bridge ready")) {
                ready.complete(true);
              }
            }
          } catch (IOException ignored) {
            // the process ended
          }
          ready.complete(false);
        });
    UnixSocketRelay front = null;
    try {
      if (!ready.get(START_TIME.toSeconds(), TimeUnit.SECONDS)) {
        throw new IOException("the namespace's bridge did not start:\n" + readQuietly(log));
      }
      front = UnixSocketRelay.fromLoopbackTo(sockets.resolve("gateway.sock"));
      PortkeyGateway gateway = new PortkeyGateway(process, sockets, relays, front, log);
      gateway.awaitAnswer();
      return gateway;
    } catch (Exception e) {
      new PortkeyGateway(process, sockets, relays, front, log).close();
      if (e instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      throw e instanceof IOException io ? io : new IOException(e);
    }
  }

  /** Where this JVM reaches Portkey: {@code http://127.0.0.1:<port>/}. */
  URI baseUri() {
    try {
      return URI.create("http://127.0.0.1:" + front.port() + "/");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Portkey's own log, for a failure's message. */
  String log() {
    return readQuietly(sockets.resolve("portkey.log")) + readQuietly(log);
  }

  private void awaitAnswer() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + START_TIME.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<Void> answer =
            http.send(
                HttpRequest.newBuilder(baseUri()).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Portkey is still starting
      }
      Thread.sleep(200);
    }
    throw new IOException("Portkey's gateway did not answer in " + START_TIME + ":\n" + log());
  }

  private static String readQuietly(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws IOException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (front != null) {
      front.close();
    }
    for (UnixSocketRelay relay : relays) {
      relay.close();
    }
    try (Stream<Path> files = Files.list(sockets)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
    }
    Files.deleteIfExists(sockets);
  }
}
