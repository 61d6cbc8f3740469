package dev.switchboard.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The gateway's command line run as a separate process, as an operator runs it. */
final class GatewayProcess implements AutoCloseable {
  final Process process;
  final String host;
  final int port;
  final Path output;

  /** Where the JVM's standard error went, when kept apart from the output; else {@code null}. */
  private final Path errors;

  private GatewayProcess(Process process, String host, int port, Path output, Path errors) {
    this.process = process;
    this.host = host;
    this.port = port;
    this.output = output;
    this.errors = errors;
  }

  static GatewayProcess start(String... args) throws IOException, InterruptedException {
    return start(java.util.Map.of(), List.of(), args);
  }

  /** The gateway run with these variables added to its environment (OTEL_*, SWITCHBOARD_*). */
  static GatewayProcess start(java.util.Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    return start(environment, List.of(), args);
  }

  /**
   * A gateway whose JVM also gets {@code jvmOptions}: tests that start many processes ask for a
   * quick start ({@code -XX:TieredStopAtLevel=1}).
   */
  static GatewayProcess start(List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    return start(java.util.Map.of(), jvmOptions, args);
  }

  /** The gateway run with these variables added to its environment and these JVM options. */
  static GatewayProcess start(
      java.util.Map<String, String> environment, List<String> jvmOptions, String... args)
      throws IOException, InterruptedException {
    int port = freePort();
    Path output = Files.createTempFile("switchboard", ".log");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("dev.switchboard.server.cli.Main");
    command.add("--server.port");
    command.add(Integer.toString(port));
    // Each process its own access store, unless the test names one: gateways started together
    // would otherwise share the embedded H2 file of the working directory.
    command.add("--access.directory");
    command.add(Files.createTempDirectory("switchboard-access").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().putAll(environment);
    Process process = builder.start();
    GatewayProcess gateway = new GatewayProcess(process, "127.0.0.1", port, output, null);
    gateway.awaitHealthy(Duration.ofSeconds(30));
    return gateway;
  }

  /**
   * The shipped jar run as an operator runs it, {@code java -jar JAR}, with no JVM option, in a
   * working directory of its own (its embedded stores' files), its standard error kept apart
   * ({@link #errors()}). {@code portFlags} gives the flags that set the port it was given.
   */
  static GatewayProcess startJar(
      Path jar, java.util.function.IntFunction<List<String>> portFlags, String... args)
      throws IOException, InterruptedException {
    int port = freePort();
    Path output = Files.createTempFile("switchboard", ".log");
    Path errors = Files.createTempFile("switchboard", ".err");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    command.addAll(portFlags.apply(port));
    command.addAll(List.of(args));
    Process process =
        new ProcessBuilder(command)
            .directory(Files.createTempDirectory("switchboard-jar").toFile())
            .redirectOutput(output.toFile())
            .redirectError(errors.toFile())
            .start();
    GatewayProcess gateway = new GatewayProcess(process, "127.0.0.1", port, output, errors);
    gateway.awaitHealthy(Duration.ofSeconds(60));
    return gateway;
  }

  /**
   * The shipped jar run inside the network namespace {@code namespace} ({@code ip netns exec NS
   * java OPTIONS -jar JAR ARGS}, which leaves the JVM as the process, so that {@link
   * Process#destroy()} is its SIGTERM), listening on {@code host:port}, an address of that
   * namespace, in {@code directory} (its spill file and embedded stores), its settings from {@code
   * environment}. Returns once {@code /v1/health} answers from outside the namespace.
   */
  static GatewayProcess startJarIn(
      String namespace,
      String host,
      int port,
      Path jar,
      Path directory,
      java.util.Map<String, String> environment,
      List<String> jvmOptions)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("switchboard", ".log");
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toAbsolutePath().toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile());
    builder.environment().putAll(environment);
    builder.environment().put("SWITCHBOARD_SERVER_HOST", host);
    builder.environment().put("SWITCHBOARD_SERVER_PORT", Integer.toString(port));
    GatewayProcess gateway = new GatewayProcess(builder.start(), host, port, output, null);
    gateway.awaitHealthy(Duration.ofSeconds(90));
    return gateway;
  }

  URI uri(String path) {
    return URI.create("http://" + host + ":" + port + path);
  }

  private void awaitHealthy(Duration timeout) throws InterruptedException, IOException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the gateway exited: " + everythingWritten());
      }
      try {
        var response =
            http.send(
                HttpRequest.newBuilder(uri("/v1/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("the gateway did not start: " + everythingWritten());
  }

  String output() throws IOException {
    return Files.readString(output);
  }

  /** What the JVM wrote to standard error, for a gateway started by {@link #startJar}. */
  String errors() throws IOException {
    return Files.readString(errors);
  }

  private String everythingWritten() throws IOException {
    return Files.readString(output) + (errors == null ? "" : Files.readString(errors));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    Files.deleteIfExists(output);
    if (errors != null) {
      Files.deleteIfExists(errors);
    }
  }
}
