package dev.switchboard.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx on 127.0.0.1 sending requests round-robin to gateways, as a deployment's load balancer does
 * ({@code deploy/compose/nginx.conf}'s retry rule, without its pool of upstream connections): a
 * connection per request to the gateway, and a gateway that refuses the connection (it is draining
 * or starting) is skipped for the next one; a request that reached a gateway is never sent twice.
 */
final class RoundRobin implements AutoCloseable {
  private final Process process;
  private final Path directory;
  private final List<String> upstreams;
  final int port;
  private Thread readinessWatch;
  private volatile boolean watching;

  private RoundRobin(Process process, Path directory, List<String> upstreams, int port) {
    this.process = process;
    this.directory = directory;
    this.upstreams = upstreams;
    this.port = port;
  }

  /** nginx in front of {@code upstreams} ({@code host:port} each). */
  static RoundRobin start(List<String> upstreams) throws IOException, InterruptedException {
    Path directory = Files.createTempDirectory("switchboard-nginx");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    writeConfig(directory, upstreams, port, java.util.Set.of());
    Process process =
        new ProcessBuilder(
                "nginx", "-p", directory.toString(), "-c", "nginx.conf", "-g", "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("stdout").toFile())
            .start();
    RoundRobin balancer = new RoundRobin(process, directory, upstreams, port);
    for (int i = 0; i < 100; i++) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return balancer;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "nginx exited: " + Files.readString(directory.resolve("stdout")));
        }
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("nginx did not start");
  }

  /**
   * Takes upstream {@code index} out of the rotation ({@code server … down}, then {@code nginx -s
   * reload}), or puts every upstream back with -1: what an operator (or Kubernetes, through a
   * Service's endpoints) does before stopping a gateway, so that no new connection races its
   * closing listener. nginx's old worker finishes the requests it holds.
   */
  void onlyWithout(int index) throws IOException, InterruptedException {
    without(index < 0 ? java.util.Set.of() : java.util.Set.of(index));
  }

  /** Takes the upstreams {@code down} out of the rotation and puts the others back. */
  private void without(java.util.Set<Integer> down) throws IOException, InterruptedException {
    writeConfig(directory, upstreams, port, down);
    NetworkNamespace.run(
        "nginx",
        "-p",
        directory.toString(),
        "-c",
        "nginx.conf",
        "-g",
        "daemon off;",
        "-s",
        "reload");
    Thread.sleep(1_000);
  }

  /**
   * Reads each upstream's {@code /v1/health/ready} every {@code period} and keeps a not-ready one
   * (or one that does not answer) out of the rotation, putting it back once ready: what Kubernetes'
   * endpoints controller, or a balancer's active health check (HAProxy's {@code option httpchk}),
   * does, and open-source nginx does not. With it, a gateway sent SIGTERM is taken out by its own
   * readiness, within its drain delay, before its listener closes.
   */
  void followReadiness(java.time.Duration period) {
    watching = true;
    java.net.http.HttpClient probe =
        java.net.http.HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofMillis(500))
            .build();
    readinessWatch =
        Thread.ofVirtual()
            .start(() -> {
              java.util.Set<Integer> out = java.util.Set.of();
              while (watching) {
                java.util.Set<Integer> notReady = new java.util.TreeSet<>();
                for (int i = 0; i < upstreams.size(); i++) {
                  if (!ready(probe, upstreams.get(i))) {
                    notReady.add(i);
                  }
                }
                try {
                  if (!notReady.equals(out)) {
                    out = notReady;
                    without(notReady);
                  }
                  Thread.sleep(period);
                } catch (InterruptedException e) {
                  return;
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
            });
  }

  private static boolean ready(java.net.http.HttpClient probe, String upstream) {
    try {
      return probe
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          URI.create("http://" + upstream + "/v1/health/ready"))
                      .timeout(java.time.Duration.ofMillis(500))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Stops following the upstreams' readiness (the rotation stays as it is). */
  void stopFollowingReadiness() throws InterruptedException {
    watching = false;
    if (readinessWatch != null) {
      readinessWatch.interrupt();
      readinessWatch.join();
    }
  }

  private static void writeConfig(
      Path directory, List<String> upstreams, int port, java.util.Set<Integer> down)
      throws IOException {
    List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < upstreams.size(); i++) {
      lines.add(
          "    server " + upstreams.get(i) + " max_fails=0" + (down.contains(i) ? " down;" : ";"));
    }
    String servers = String.join("\n", lines);
    Files.writeString(
        directory.resolve("nginx.conf"),
        """
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          # A connection per client request too: a reload then has no idle connection to close
          # under a client that is sending on it.
          keepalive_timeout 0;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          upstream gateways {
        %2$s
          }
          server {
            listen 127.0.0.1:%3$d;
            location / {
              proxy_pass http://gateways;
              proxy_next_upstream error timeout;
              proxy_next_upstream_tries 3;
              proxy_connect_timeout 2s;
              proxy_read_timeout 60s;
              proxy_buffering off;
              proxy_set_header Host $host;
            }
          }
        }
        """
            .formatted(directory, servers, port));
  }

  /** Whether nginx is installed. */
  static boolean installed() {
    try {
      return new ProcessBuilder("nginx", "-v").start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  @Override
  public void close() throws IOException {
    watching = false;
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
