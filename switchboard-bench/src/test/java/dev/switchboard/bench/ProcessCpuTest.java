package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The CPU the load benchmark charges to a server, read from {@code /proc}: all of a process's
 * threads, and with its children for nginx (a master and its workers).
 */
@EnabledOnOs(OS.LINUX)
class ProcessCpuTest {
  private static final long TICKS_PER_SECOND = 100;
  private static final long ONE_TICK = 1_000_000_000L / TICKS_PER_SECOND;

  @Test
  void countsTheCpuTheProcessUsedMeanwhile() {
    ProcessCpu self = new ProcessCpu(ProcessHandle.current().pid(), false, TICKS_PER_SECOND);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long before = self.cpuNanos();
    long threadBefore = threads.getCurrentThreadCpuTime();
    long spins = 0;
    while (threads.getCurrentThreadCpuTime() - threadBefore < 200_000_000L) {
      spins++;
    }
    long burnt = threads.getCurrentThreadCpuTime() - threadBefore;

    long used = self.cpuNanos() - before;

    assertThat(spins).isPositive();
    // This thread's CPU is part of the process's, give or take the clock ticks /proc counts in.
    assertThat(used).isGreaterThanOrEqualTo(burnt - 2 * ONE_TICK);
  }

  @Test
  void countsTheChildrenOfAMasterProcess() throws Exception {
    // A child that uses some CPU, says so, then sleeps: its CPU no longer moves while it is read.
    Process child =
        new ProcessBuilder(
                "sh",
                "-c",
                "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo busy-done; exec sleep 60")
            .redirectErrorStream(true)
            .start();
    try {
      try (BufferedReader output =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        assertThat(output.readLine()).isEqualTo("busy-done");
      }
      long self = ProcessHandle.current().pid();
      long childCpu = new ProcessCpu(child.pid(), false, TICKS_PER_SECOND).cpuNanos();

      long alone = new ProcessCpu(self, false, TICKS_PER_SECOND).cpuNanos();
      long withChildren = new ProcessCpu(self, true, TICKS_PER_SECOND).cpuNanos();

      assertThat(childCpu).isPositive();
      assertThat(withChildren - alone).isGreaterThanOrEqualTo(childCpu);
    } finally {
      child.destroyForcibly().waitFor();
    }
  }
}
