package dev.switchboard.server.access;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Thread dumps, to look for secrets in thread names and in what a dump shows of each thread: this
 * JVM's threads through {@link Thread#getAllStackTraces()}, and any JVM's (this one or a gateway
 * run as a process) through {@code jcmd <pid> Thread.print -l -e}, which also names the locks held
 * and the virtual threads' carriers.
 */
final class ThreadDumps {
  private ThreadDumps() {}

  /** This JVM's threads: name, state and stack of each. */
  static String inProcess() {
    StringBuilder dump = new StringBuilder();
    for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
      dump.append('"')
          .append(thread.getKey().getName())
          .append("\" ")
          .append(thread.getKey().getState())
          .append('\n');
      for (StackTraceElement frame : thread.getValue()) {
        dump.append("\tat ").append(frame).append('\n');
      }
    }
    return dump.toString();
  }

  /**
   * {@code jcmd <pid> Thread.print -l -e}, or an empty string when jcmd could not be run or did not
   * finish within 20 seconds (attaching to a busy JVM can stall; the caller then still has the
   * in-process dumps).
   */
  static String jcmd(long pid) {
    String jcmd =
        ProcessHandle.current()
            .info()
            .command()
            .map(java -> java.replaceFirst("java$", "jcmd"))
            .orElse("jcmd");
    try {
      Path out = Files.createTempFile("jcmd-thread-print", ".txt");
      try {
        Process process =
            new ProcessBuilder(jcmd, Long.toString(pid), "Thread.print", "-l", "-e")
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          return "";
        }
        return Files.readString(out, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * This JVM's threads, virtual ones included, as {@code jcmd Thread.dump_to_file} writes them
   * (HotSpot's diagnostic bean, without attaching).
   */
  static String hotspot() {
    try {
      Path directory = Files.createTempDirectory("thread-dump");
      Path file = directory.resolve("threads.json");
      try {
        ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
            .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
        return Files.readString(file, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(file);
        Files.deleteIfExists(directory);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
