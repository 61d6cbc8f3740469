package dev.switchboard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Samples one JVM process from outside, as an operator's monitoring would: its resident memory,
 * threads and open files from {@code /proc/<pid>} (Linux), and its heap after a full collection
 * through {@code jcmd} ({@code GC.run}, then {@code GC.heap_info}, in one call).
 *
 * <p>Why a forced collection: the heap in use between collections rises and falls with garbage not
 * yet collected, by hundreds of megabytes under load, so its trend says little; what survives a
 * full collection is what the process still holds, and that must stay flat. The price is one full
 * pause per sample, which the caller accounts for (each {@link Sample} says when the call ran).
 */
final class ProcessSampler {
  private static final Pattern HEAP_USED = Pattern.compile("\\bused ([0-9]+)([KMG])\\b");
  private static final Duration JCMD_TIMEOUT = Duration.ofSeconds(60);

  /**
   * One sample of the process.
   *
   * @param rssKib resident memory ({@code VmRSS}), in KiB
   * @param heapAfterGcKib the heap in use right after a full collection, in KiB
   * @param threads the process's threads ({@code Threads}: platform threads, the JVM's own
   *     included; virtual threads are not among them)
   * @param openFiles descriptors in {@code /proc/<pid>/fd}: files, sockets, pipes
   * @param gcStartedNanos when the {@code jcmd} call began, {@link System#nanoTime()}
   * @param gcEndedNanos when it returned
   */
  record Sample(
      long rssKib,
      long heapAfterGcKib,
      long threads,
      long openFiles,
      long gcStartedNanos,
      long gcEndedNanos) {}

  private final long pid;
  private final Path proc;
  private final Path jcmd;
  private final Path commands;

  /**
   * @param commandsFile where the {@code jcmd} commands are written, in the run's directory
   */
  ProcessSampler(long pid, Path commandsFile) throws IOException {
    this.pid = pid;
    this.proc = Path.of("/proc", Long.toString(pid));
    this.jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    this.commands = Files.writeString(commandsFile, "GC.run\nGC.heap_info\n");
    if (!Files.isDirectory(proc)) {
      throw new IllegalStateException(proc + " does not exist: sampling needs Linux's /proc");
    }
    if (!Files.isExecutable(jcmd)) {
      throw new IllegalStateException(jcmd + " is missing: run the soak on a JDK, not a JRE");
    }
  }

  Sample sample() throws IOException, InterruptedException {
    long gcStarted = System.nanoTime();
    long heap = heapAfterFullGc();
    long gcEnded = System.nanoTime();
    List<String> status = Files.readAllLines(proc.resolve("status"));
    long openFiles;
    try (Stream<Path> descriptors = Files.list(proc.resolve("fd"))) {
      openFiles = descriptors.count();
    }
    return new Sample(
        statusField(status, "VmRSS"),
        heap,
        statusField(status, "Threads"),
        openFiles,
        gcStarted,
        gcEnded);
  }

  /** A field of {@code /proc/<pid>/status}: {@code VmRSS: 123456 kB} or {@code Threads: 42}. */
  private static long statusField(List<String> status, String name) {
    for (String line : status) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no " + name + " in /proc/<pid>/status");
  }

  private long heapAfterFullGc() throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "-f", commands.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(JCMD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("jcmd did not answer within " + JCMD_TIMEOUT);
    }
    if (process.exitValue() != 0) {
      throw new IOException("jcmd failed: " + output);
    }
    return heapUsedKib(output);
  }

  /**
   * The heap in use that {@code GC.heap_info} reports: the sum of the "used" of its heap lines (one
   * for G1 or ZGC, one per generation for the serial and parallel collectors), before the Metaspace
   * lines.
   */
  static long heapUsedKib(String heapInfo) {
    long used = 0;
    boolean found = false;
    for (String line : heapInfo.lines().toList()) {
      if (line.trim().startsWith("Metaspace")) {
        break;
      }
      Matcher matcher = HEAP_USED.matcher(line);
      if (matcher.find()) {
        long amount = Long.parseLong(matcher.group(1));
        used +=
            switch (matcher.group(2)) {
              case "K" -> amount;
              case "M" -> amount * 1024;
              default -> amount * 1024 * 1024;
            };
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException("GC.heap_info said nothing of the heap in use:\n" + heapInfo);
    }
    return used;
  }
}
