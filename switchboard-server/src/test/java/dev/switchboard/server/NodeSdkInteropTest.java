package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.OpenAiChatReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Clients from npm, installed with the lock file of {@code interop/node}, run their tests against
 * this gateway, with the offline provider and fakes as upstreams: Portkey's and OpenAI's Node SDKs
 * (the suite's top-level {@code *.test.js}, one run), and the agent clients of {@code
 * interop/node/agents}, one test per file: OpenAI's Responses API and Agents SDK, Anthropic's
 * TypeScript SDK, and the Codex CLI and Claude Code command-line agents doing a task with a tool. A
 * failure there fails this test, with node's output. Skipped only where there is no {@code node}
 * and the environment is not CI; in CI a missing node fails.
 */
public class NodeSdkInteropTest {
  public static final Path SUITE = Path.of("..", "interop", "node").toAbsolutePath().normalize();
  static final Path AGENTS = SUITE.resolve("agents");
  static final String FAKE_KEY = "sk-interop";
  static final String FAKE_ANTHROPIC_KEY = "sk-ant-interop";
  public static final Duration NPM_TIME = Duration.ofMinutes(5);
  public static final Duration SUITE_TIME = Duration.ofMinutes(5);

  static FakeOpenAi answering;
  static FakeOpenAi rateLimited;
  static FakeOpenAi overloaded;
  static FakeOpenAi failingMidStream;

  /** Codex's model, behind the Responses API: scripted per run by {@link #AGENT_SCRIPTS}. */
  static FakeAnthropic anthropicForCodex;

  /** Claude Code's model, behind the Messages API: scripted per run by {@link #AGENT_SCRIPTS}. */
  static FakeOpenAi openAiForClaudeCode;

  static GatewayUnderTest gateway;

  /**
   * What the command-line agents' models say first, queued on their fakes before each file runs: a
   * call to the agent's shell tool that reads notes.txt (the fake's next answer quotes the tool's
   * result). The files say the same of their {@code mock_script}.
   */
  static final Map<String, Runnable> AGENT_SCRIPTS =
      Map.of(
          "codex-cli.test.js",
          () ->
              anthropicForCodex.enqueue(
                  AnthropicReply.builder()
                      .toolUse("toolu_codex_read", "exec_command", "{\"cmd\":\"cat notes.txt\"}")
                      .build()),
          "claude-code-cli.test.js",
          () ->
              openAiForClaudeCode.enqueue(
                  OpenAiChatReply.builder()
                      .toolCall("Bash", "{\"command\":\"cat notes.txt\"}")
                      .build()));

  @BeforeAll
  static void start() throws Exception {
    boolean ci = System.getenv("CI") != null;
    boolean hasNode = commandWorks("node", "--version");
    assumeTrue(hasNode || ci, "node is not installed (CI would fail here)");
    assertThat(hasNode).as("node must be installed in CI (.ci/run installs it)").isTrue();
    assertThat(commandWorks("npm", "--version")).as("npm must be installed with node").isTrue();

    answering = FakeOpenAi.start();
    answering.requireApiKey(FAKE_KEY);
    rateLimited =
        FakeOpenAi.builder().recordRequests(false).everyRequest(Fault.status(429)).start();
    overloaded = FakeOpenAi.builder().recordRequests(false).everyRequest(Fault.status(503)).start();
    failingMidStream =
        FakeOpenAi.builder().recordRequests(false).everyRequest(Fault.streamError(3, 500)).start();
    anthropicForCodex = FakeAnthropic.start();
    anthropicForCodex.requireApiKey(FAKE_ANTHROPIC_KEY);
    openAiForClaudeCode = FakeOpenAi.start();
    openAiForClaudeCode.requireApiKey(FAKE_KEY);
    // The suite sends several requests to upstreams that always fail; their circuits must not open
    // and answer 503 for the 429 the suite checks.
    RoutingLimits defaults = RoutingLimits.defaults();
    RoutingLimits circuitsStayClosed =
        new RoutingLimits(
            defaults.maxAttempts(),
            defaults.deadline(),
            defaults.backoffBase(),
            defaults.maxRetryWait(),
            1_000,
            defaults.circuitOpenFor());
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder().routing(circuitsStayClosed).build(), engine -> {});

    Run install =
        run(NPM_TIME, Map.of(), "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund");
    assertThat(install.exitCode()).as("npm ci failed:%n%s", install.output()).isZero();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable each :
        new AutoCloseable[] {
          gateway,
          answering,
          rateLimited,
          overloaded,
          failingMidStream,
          anthropicForCodex,
          openAiForClaudeCode
        }) {
      if (each != null) {
        try {
          each.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  @Test
  void portkeysAndOpenAisNodeSdksPassTheirSuiteAgainstTheGateway() throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "--test", "--test-reporter=tap"));
    command.addAll(testFiles(SUITE));

    Run suite =
        run(
            SUITE_TIME,
            Map.of(
                "SWITCHBOARD_BASE_URL", gateway.uri("/v1").toString(),
                "FAKE_OPENAI_BASE_URL", answering.baseUrl(),
                "FAKE_OPENAI_API_KEY", FAKE_KEY,
                "FAKE_OPENAI_429_BASE_URL", rateLimited.baseUrl(),
                "FAKE_OPENAI_503_BASE_URL", overloaded.baseUrl(),
                "FAKE_OPENAI_STREAM_ERROR_BASE_URL", failingMidStream.baseUrl(),
                "INTEROP_GATEWAY", "switchboard"),
            command.toArray(String[]::new));

    assertThat(suite.exitCode()).as("the Node SDK suite failed:%n%s", suite.output()).isZero();
    assertThat(count(suite.output(), "fail")).as(suite.output()).isZero();
    assertThat(count(suite.output(), "pass")).as(suite.output()).isGreaterThanOrEqualTo(40);
  }

  /**
   * One test per file of {@code interop/node/agents}, so that each client passes or fails alone.
   */
  @TestFactory
  Stream<DynamicTest> agentClientsDoTheirTasksThroughTheGateway() throws IOException {
    List<String> files = testFiles(AGENTS);
    assertThat(files)
        .as("the agent clients' tests")
        .contains(
            "responses-sdk.test.js",
            "openai-agents.test.js",
            "anthropic-sdk.test.js",
            "codex-cli.test.js",
            "claude-code-cli.test.js");
    return files.stream().map(file -> DynamicTest.dynamicTest(file, () -> runAgentTests(file)));
  }

  static void runAgentTests(String file) throws IOException, InterruptedException {
    AGENT_SCRIPTS.getOrDefault(file, () -> {}).run();
    Run suite =
        run(
            SUITE_TIME,
            Map.of(
                "SWITCHBOARD_BASE_URL", gateway.uri("/v1").toString(),
                "FAKE_OPENAI_BASE_URL", answering.baseUrl(),
                "FAKE_OPENAI_API_KEY", FAKE_KEY,
                "FAKE_ANTHROPIC_CODEX_BASE_URL", anthropicForCodex.baseUrl(),
                "FAKE_ANTHROPIC_API_KEY", FAKE_ANTHROPIC_KEY,
                "FAKE_OPENAI_CLAUDE_CODE_BASE_URL", openAiForClaudeCode.baseUrl()),
            "node",
            "--test",
            "--test-reporter=tap",
            AGENTS.resolve(file).toString());

    assertThat(suite.exitCode()).as("%s failed:%n%s", file, suite.output()).isZero();
    assertThat(count(suite.output(), "fail")).as(suite.output()).isZero();
    assertThat(count(suite.output(), "pass")).as(suite.output()).isPositive();
  }

  /** The names of the {@code *.test.js} files directly in {@code directory}, sorted. */
  static List<String> testFiles(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.endsWith(".test.js"))
          .sorted()
          .toList();
    }
  }

  /** A command's exit code and its output, stdout and stderr together. */
  public record Run(int exitCode, String output) {}

  public static Run run(Duration limit, Map<String, String> env, String... command)
      throws IOException, InterruptedException {
    Path output = Files.createTempFile("node-interop", ".log");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(List.of(command))
              .directory(SUITE.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        return new Run(-1, "timed out after " + limit + ":\n" + Files.readString(output));
      }
      return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  public static boolean commandWorks(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The count TAP's summary gives for {@code what} ({@code # pass 46}); -1 when it is missing. */
  public static int count(String tap, String what) {
    Matcher summary = Pattern.compile("(?m)^# " + what + " (\\d+)$").matcher(tap);
    return summary.find() ? Integer.parseInt(summary.group(1)) : -1;
  }
}
