package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The gateway's command line, run as an operator runs it. */
class CommandLineTest {

  @Test
  void helpListsTheSettingsAndExitsZero() throws Exception {
    Result result = run("--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.output())
        .contains("--server.port")
        .contains("SWITCHBOARD_SERVER_PORT")
        .contains("8787")
        .contains("--upstream.trusted-hosts")
        .contains("--config");
  }

  @Test
  void aBadSettingStopsTheGatewayWithExitCodeTwoAndSaysWhich() throws Exception {
    Result result = run("--server.port", "eighty");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.output()).contains("server.port").contains("--help");
  }

  @Test
  void aBadPortGivenAsPortkeysFlagIsRefusedAsServerPort() throws Exception {
    Result spaced = run("--port", "eighty");
    Result joined = run("--port=eighty");

    assertThat(spaced.exitCode()).isEqualTo(2);
    assertThat(spaced.output()).contains("server.port");
    assertThat(joined.exitCode()).isEqualTo(2);
    assertThat(joined.output()).contains("server.port");
  }

  @Test
  void helpNamesPortkeysPortFlag() throws Exception {
    assertThat(run("--help").output()).contains("--port N").contains("--port=N");
  }

  private record Result(int exitCode, String output) {}

  private static Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("dev.switchboard.server.cli.Main");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }
}
