package dev.switchboard.server.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

  /** {@code jcmd <pid> Thread.print}, or an empty string when jcmd could not be run. */
  static String jcmd(long pid) {
    String jcmd =
        ProcessHandle.current()
            .info()
            .command()
            .map(java -> java.replaceFirst("java$", "jcmd"))
            .orElse("jcmd");
    try {
      Process process =
          new ProcessBuilder(jcmd, Long.toString(pid), "Thread.print", "-l", "-e")
              .redirectErrorStream(true)
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return "";
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
