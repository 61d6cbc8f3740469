package dev.switchboard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The CPU time a server process has used so far, read from outside as {@code top} does: {@code
 * utime + stime} of {@code /proc/<pid>/stat} (Linux), which counts every thread of the process.
 * With {@code withChildren}, the live children of the process are added (an nginx master and its
 * workers, which do the proxying); children that have exited are not counted.
 *
 * @param pid the process
 * @param withChildren whether its direct children count too
 * @param clockTicksPerSecond the unit of {@code utime} and {@code stime}, {@code getconf CLK_TCK}
 *     (100 on Linux's usual builds)
 */
record ProcessCpu(long pid, boolean withChildren, long clockTicksPerSecond) {
  /** Fields after the command name of {@code /proc/<pid>/stat}, counted from 3 as proc(5) does. */
  private static final int PPID = 4;

  private static final int UTIME = 14;
  private static final int STIME = 15;

  /** The CPU time used so far, in nanoseconds (a multiple of one clock tick, 10 ms at 100 Hz). */
  long cpuNanos() {
    long ticks = ticks(stat(pid));
    if (withChildren) {
      try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
        for (Path process : processes.toList()) {
          String name = process.getFileName().toString();
          if (!name.chars().allMatch(Character::isDigit)) {
            continue;
          }
          String[] fields = statOrNull(Long.parseLong(name));
          if (fields != null && Long.parseLong(fields[PPID - 3]) == pid) {
            ticks += ticks(fields);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return ticks * 1_000_000_000L / clockTicksPerSecond;
  }

  private static long ticks(String[] fields) {
    return Long.parseLong(fields[UTIME - 3]) + Long.parseLong(fields[STIME - 3]);
  }

  private static String[] stat(long pid) {
    String[] fields = statOrNull(pid);
    if (fields == null) {
      throw new IllegalStateException("process " + pid + " is gone: /proc/" + pid + "/stat");
    }
    return fields;
  }

  /**
   * The fields of {@code /proc/<pid>/stat} from the third (the state) on, or {@code null} when the
   * process has exited. The command name before them is in parentheses and may hold spaces, so the
   * line is split after its last parenthesis.
   */
  private static String[] statOrNull(long pid) {
    String line;
    try {
      line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      // A process that exits while it is read fails with ESRCH rather than ENOENT.
      if (!Files.exists(Path.of("/proc", Long.toString(pid)))) {
        return null;
      }
      throw new UncheckedIOException(e);
    }
    return line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
  }
}
