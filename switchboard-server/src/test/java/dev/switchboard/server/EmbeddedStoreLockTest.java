package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DuckDB lets one process at a time write a database file: a second gateway pointed at the
 * directory of a running one must stop at start with a message that says what to do, not run
 * without its request log or fail later.
 */
class EmbeddedStoreLockTest {
  @TempDir Path directory;

  @Test
  void aSecondGatewayOnTheSameLogsDirectoryStopsWithAClearMessage() throws Exception {
    String data = directory.resolve("data").toString();
    try (GatewayProcess first = GatewayProcess.start("--logs.directory", data)) {
      assertThatThrownBy(() -> GatewayProcess.start("--logs.directory", data))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("the gateway exited")
          .hasMessageContaining("requests.duckdb is in use by another process")
          .hasMessageContaining("PID " + first.process.pid())
          .hasMessageContaining("each gateway needs its own logs.directory");

      assertThat(first.process.isAlive()).isTrue();
      first.process.destroy();
      assertThat(first.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(first.process.exitValue()).isZero();
    }
  }
}
