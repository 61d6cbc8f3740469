package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The jars the build ships, run as {@code java -jar switchboard.jar} with no JVM option: quiet on
 * standard error, the port taken as Portkey's gateway takes it, and the semantic cache's embedder
 * found when switchboard-semantic.jar lies beside the gateway's jar. Runs after the jars are built
 * (the {@code shipped-jar} execution, phase {@code integration-test}, which names the jar).
 */
@EnabledIfSystemProperty(named = "switchboard.jar", matches = ".+")
class ShippedJarTest {
  static final String SEMANTIC_CONFIG =
      "{\"provider\":\"openai\",\"api_key\":\"sk-jar\",\"cache\":{\"mode\":\"semantic\"}}";

  final Path jar = Path.of(System.getProperty("switchboard.jar", ""));
  final HttpClient http = HttpClient.newHttpClient();
  FakeOpenAi openai;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
  }

  @AfterEach
  void stop() {
    openai.close();
  }

  @Test
  void theGatewayAloneStartsWithoutAWarningTakesPortkeysPortFlagAndServesRequestsAndItsDashboard()
      throws Exception {
    Path alone = Files.createTempDirectory("switchboard-alone").resolve("switchboard.jar");
    Files.copy(jar, alone, StandardCopyOption.REPLACE_EXISTING);
    try (GatewayProcess gateway =
        GatewayProcess.startJar(
            alone,
            port -> List.of("--port", Integer.toString(port)),
            "--providers.openai.base-url",
            openai.baseUrl())) {
      var mock =
          post(
              gateway,
              "/v1/chat/completions",
              SemanticCacheTest.ask("Say hi."),
              "x-portkey-provider",
              "mock",
              "content-type",
              "application/json");
      var count =
          post(
              gateway,
              "/v1/messages/count_tokens",
              "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}",
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer sk-jar",
              "content-type",
              "application/json");
      var question = semantic(gateway, "What is the capital of France?");
      var paraphrase = semantic(gateway, "Which city is the capital of France?");
      var page = get(gateway, "/dashboard/");
      var chartJs = get(gateway, "/dashboard/vendor/chart.js/chart.umd.js");

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<html");
      assertThat(chartJs.statusCode()).isEqualTo(200);
      assertThat(mock.statusCode()).isEqualTo(200);
      assertThat(count.statusCode()).isEqualTo(200);
      assertThat(count.body()).contains("\"input_tokens\"");
      // No embedder on the classpath: the semantic cache matches exactly, so a paraphrase misses.
      assertThat(cacheStatus(question)).isEqualTo("MISS");
      assertThat(cacheStatus(paraphrase)).isEqualTo("MISS");
      assertThat(openai.requestCount()).isEqualTo(2);
      assertThat(warnings(gateway)).isEmpty();
    }
  }

  @Test
  void theSemanticJarBesideTheGatewayTurnsOnTheSemanticCacheWithoutAWarning() throws Exception {
    Path semantic = jar.resolveSibling("switchboard-semantic.jar");
    assertThat(semantic).exists();
    try (GatewayProcess gateway =
        GatewayProcess.startJar(
            jar,
            port -> List.of("--port=" + port),
            "--providers.openai.base-url",
            openai.baseUrl())) {
      var question = semantic(gateway, "What is the capital of France?");
      var paraphrase = semantic(gateway, "Which city is the capital of France?");

      assertThat(cacheStatus(question)).isEqualTo("SEMANTIC MISS");
      assertThat(cacheStatus(paraphrase)).isEqualTo("SEMANTIC HIT");
      assertThat(paraphrase.body()).isEqualTo(question.body());
      assertThat(openai.requestCount()).isEqualTo(1);
      assertThat(warnings(gateway)).isEmpty();
    }
  }

  @Test
  void theGatewaysJarCarriesNoSemanticCacheAndNativeLibrariesOnlyForSupportedPlatforms()
      throws IOException {
    try (JarFile gateway = new JarFile(jar.toFile());
        JarFile semantic = new JarFile(jar.resolveSibling("switchboard-semantic.jar").toFile())) {
      List<String> gatewayNatives =
          gateway.stream()
              .map(entry -> entry.getName())
              .filter(ShippedJarTest::isNativeLibrary)
              .toList();
      List<String> semanticNatives =
          semantic.stream()
              .map(entry -> entry.getName())
              .filter(ShippedJarTest::isNativeLibrary)
              .toList();

      assertThat(gateway.getEntry("dev/switchboard/semantic/MiniLmSentenceEmbedder.class"))
          .isNull();
      assertThat(gateway.getEntry("ai/onnxruntime/OrtEnvironment.class")).isNull();
      assertThat(gateway.getManifest().getMainAttributes().getValue("Enable-Native-Access"))
          .isEqualTo("ALL-UNNAMED");
      assertThat(gatewayNatives)
          .containsExactlyInAnyOrder(
              "libduckdb_java.so_linux_amd64",
              "libduckdb_java.so_linux_arm64",
              "libduckdb_java.so_macos_arm64");
      assertThat(semantic.getEntry("dev/switchboard/semantic/MiniLmSentenceEmbedder.class"))
          .isNotNull();
      assertThat(semanticNatives)
          .allSatisfy(name ->
              assertThat(name)
                  .containsAnyOf(
                      "linux-x64",
                      "linux-x86-64",
                      "linux-x86_64",
                      "linux-aarch64",
                      "osx-aarch64",
                      "darwin-aarch64"))
          .isNotEmpty();
    }
  }

  /** A native library for some platform, by the names DuckDB, ONNX Runtime, DJL and JNA use. */
  private static boolean isNativeLibrary(String name) {
    return name.startsWith("libduckdb_java.so_")
        || name.matches(".*\\.(so|dylib|dll|jnilib|a|pdb)$");
  }

  private HttpResponse<String> semantic(GatewayProcess gateway, String question)
      throws IOException, InterruptedException {
    return post(
        gateway,
        "/v1/chat/completions",
        SemanticCacheTest.ask(question),
        "x-portkey-config",
        SEMANTIC_CONFIG,
        "content-type",
        "application/json");
  }

  private static String cacheStatus(HttpResponse<String> response) {
    return response.headers().firstValue("x-portkey-cache-status").orElse(null);
  }

  private HttpResponse<String> post(
      GatewayProcess gateway, String path, String body, String... headers)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .headers(headers)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(GatewayProcess gateway, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(gateway.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The JVM's warnings (restricted methods, sun.misc.Unsafe), one a line, on standard error. */
  private static List<String> warnings(GatewayProcess gateway) throws IOException {
    return gateway.errors().lines().filter(line -> line.startsWith("WARNING")).toList();
  }
}
