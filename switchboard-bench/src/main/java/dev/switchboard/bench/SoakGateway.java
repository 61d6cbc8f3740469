package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The shipped gateway run as a process of its own for a soak run, with its default settings (the
 * request log, metrics and access on) but for what a run needs: 127.0.0.1 and a free port, its
 * stores in the run's directory, OpenAI pointed at the fake, and an admin token (from the
 * environment, never the command line) so that the run can make itself a gateway key and read
 * {@code /metrics}.
 */
final class SoakGateway implements AutoCloseable {
  private static final Pattern LISTENING =
      Pattern.compile("Switchboard listening on (http://127\\.0\\.0\\.1:[0-9]+)");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path log;
  private final URI origin;
  private final String adminToken;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private SoakGateway(Process process, Path log, URI origin, String adminToken) {
    this.process = process;
    this.log = log;
    this.origin = origin;
    this.adminToken = adminToken;
  }

  /**
   * Starts the gateway and waits until it answers {@code GET /v1/health}.
   *
   * @param stores where the gateway keeps its request log and access store
   * @param providerBaseUrl OpenAI's base URL, the fake's
   * @param log where the gateway's output goes
   */
  static SoakGateway start(Path gatewayJar, Path stores, String providerBaseUrl, Path log)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(gatewayJar)) {
      throw new IllegalStateException(gatewayJar + " is missing; build it first");
    }
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    String adminToken = HexFormat.of().formatHex(secret);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
                List.of(
                    java,
                    "-jar",
                    gatewayJar.toString(),
                    "--server.host",
                    "127.0.0.1",
                    "--server.port",
                    "0",
                    "--logs.directory",
                    stores.resolve("logs").toString(),
                    "--access.directory",
                    stores.resolve("access").toString(),
                    "--providers.openai.base-url",
                    providerBaseUrl))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("SWITCHBOARD_ADMIN_TOKEN", adminToken);
    Process process = builder.start();
    try {
      URI origin = awaitListening(process, log);
      SoakGateway gateway = new SoakGateway(process, log, origin, adminToken);
      gateway.awaitHealthy();
      return gateway;
    } catch (IOException | RuntimeException | InterruptedException e) {
      process.destroyForcibly();
      throw e;
    }
  }

  private static URI awaitListening(Process process, Path log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the gateway exited at start:\n" + tail(log));
      }
      Matcher listening = LISTENING.matcher(Files.readString(log));
      if (listening.find()) {
        return URI.create(listening.group(1));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the gateway did not start within 60 s:\n" + tail(log));
  }

  private void awaitHealthy() throws IOException, InterruptedException {
    int status = get("/v1/health").statusCode();
    if (status != 200) {
      throw new IllegalStateException("GET /v1/health answered " + status);
    }
  }

  /** The process, to sample. */
  long pid() {
    return process.pid();
  }

  /** {@code http://127.0.0.1:<port>}. */
  URI origin() {
    return origin;
  }

  /** {@code <origin>/v1}, a client's base URL. */
  URI baseUrl() {
    return URI.create(origin + "/v1");
  }

  /**
   * Creates a gateway key through the admin API, in the default workspace: allowed completions
   * through OpenAI, with a rate limit and a monthly budget far from reached, so that every call is
   * authenticated, admitted, reserved and settled as a production key's is.
   *
   * @return the key's secret, {@code sbk-…}
   */
  String createKey() throws IOException, InterruptedException {
    String body =
        """
        {"name": "soak", "scopes": {"permissions": ["completions"], "providers": ["openai"]},
         "limits": {"requests_per_minute": 1000000,
                    "budget": {"cost_usd": "1000000.00", "period": "month"}}}
        """;
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create(origin + "/v1/admin/keys"))
                .timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + adminToken)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "creating a gateway key answered " + response.statusCode() + ": " + response.body());
    }
    return JSON.readTree(response.body()).path("key").asText();
  }

  /** The request log's counters from {@code GET /v1/health} ({@code request_log}). */
  JsonNode requestLog() throws IOException, InterruptedException {
    var response = get("/v1/health");
    if (response.statusCode() != 200) {
      throw new IOException("GET /v1/health answered " + response.statusCode());
    }
    return JSON.readTree(response.body()).path("request_log");
  }

  /** {@code GET /metrics}, the Prometheus text, with the admin token. */
  String metrics() throws IOException, InterruptedException {
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create(origin + "/metrics"))
                .timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + adminToken)
                .build(),
            BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET /metrics answered " + response.statusCode());
    }
    return response.body();
  }

  private java.net.http.HttpResponse<String> get(String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(origin + path)).timeout(Duration.ofSeconds(30)).build(),
        BodyHandlers.ofString());
  }

  /** The lines the gateway logged at ERROR so far. */
  List<String> errorLines() throws IOException {
    try (Stream<String> lines = Files.lines(log)) {
      return lines.filter(line -> line.matches("^\\S+ ERROR .*")).toList();
    }
  }

  /**
   * Stops the gateway as an operator does (SIGTERM: it drains, then writes its log's backlog),
   * killing it after 30 s.
   *
   * @return its exit status, or -1 when it had to be killed
   */
  int stop() throws InterruptedException {
    process.destroy();
    if (process.waitFor(30, TimeUnit.SECONDS)) {
      return process.exitValue();
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return -1;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }
}
