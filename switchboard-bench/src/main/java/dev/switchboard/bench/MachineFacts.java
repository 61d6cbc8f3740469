package dev.switchboard.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The facts a reader needs to compare two reports: cores, CPU, operating system, JVM, and how busy
 * the machine already was.
 *
 * @param cores processors available to this JVM
 * @param cpu the CPU's model name, or {@code unknown} off Linux
 * @param os name, version and architecture
 * @param jvm the driver's JVM: vendor, name and full version
 * @param loadAverage the one-minute load average when the facts were taken, or -1 if unknown
 */
record MachineFacts(int cores, String cpu, String os, String jvm, double loadAverage) {

  static MachineFacts ofThisMachine() {
    return new MachineFacts(
        Runtime.getRuntime().availableProcessors(),
        cpuModel(),
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.vm.vendor")
            + " "
            + System.getProperty("java.vm.name")
            + " "
            + Runtime.version(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
