package dev.switchboard.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A Linux network namespace joined to this one by a veth pair, as a container gets: the gateway
 * inside listens on {@link #inside()} and reaches nothing of the machine but {@link #outside()},
 * the host's end of the pair, where the test puts the relays to the shared stores. Made with
 * iproute2 ({@code ip netns add}, {@code ip link add … type veth}), which needs root; deleting the
 * namespace deletes the pair.
 */
final class NetworkNamespace implements AutoCloseable {
  private static final String PREFIX = "sbc";

  final String name;
  private final String outside;
  private final String inside;

  private NetworkNamespace(String name, String outside, String inside) {
    this.name = name;
    this.outside = outside;
    this.inside = inside;
  }

  /** The first of this process's eight subnets' third octets; see {@link #create}. */
  private static int firstOctet = -1;

  /**
   * Namespace {@code index} (0 to 7) of this test process, on the /30 {@code 10.231.<n>.0}, where
   * {@code n} is {@code index} past the first of eight octets (from 8 on) that no address of the
   * machine uses yet, so that two test processes running at once (another worktree's) do not take
   * the same addresses: the host's end is {@code .1}, the namespace's {@code .2}.
   */
  static NetworkNamespace create(int index) throws IOException, InterruptedException {
    if (index < 0 || index > 7) {
      throw new IllegalArgumentException("a test process has namespaces 0 to 7, not " + index);
    }
    long pid = ProcessHandle.current().pid();
    String name = PREFIX + pid + "n" + index;
    String hostEnd = PREFIX + pid + "h" + index;
    String nsEnd = PREFIX + pid + "g" + index;
    String subnet = "10.231." + (firstOctet() + index) + ".";
    NetworkNamespace namespace = new NetworkNamespace(name, subnet + "1", subnet + "2");
    run("ip", "netns", "add", name);
    try {
      run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
      run("ip", "link", "set", nsEnd, "netns", name);
      run("ip", "addr", "add", subnet + "1/30", "dev", hostEnd);
      run("ip", "link", "set", hostEnd, "up");
      run("ip", "-n", name, "addr", "add", subnet + "2/30", "dev", nsEnd);
      run("ip", "-n", name, "link", "set", nsEnd, "up");
      run("ip", "-n", name, "link", "set", "lo", "up");
    } catch (IOException | RuntimeException e) {
      namespace.close();
      throw e;
    }
    return namespace;
  }

  private static synchronized int firstOctet() throws IOException, InterruptedException {
    if (firstOctet < 0) {
      String addresses = run("ip", "-o", "-4", "addr", "show");
      for (int first = 8; first + 8 <= 256 && firstOctet < 0; first += 8) {
        boolean free = true;
        for (int octet = first; octet < first + 8; octet++) {
          free &= !addresses.contains("10.231." + octet + ".");
        }
        if (free) {
          firstOctet = first;
        }
      }
      if (firstOctet < 0) {
        throw new IllegalStateException("no free subnet under 10.231.0.0/16");
      }
    }
    return firstOctet;
  }

  /**
   * Deletes the namespaces a test process that is gone left behind (it was killed before its
   * clean-up): their addresses would otherwise clash with this run's.
   */
  static void deleteLeftovers() throws IOException, InterruptedException {
    for (String line : run("ip", "netns", "list").split("\n")) {
      String name = line.split(" ")[0];
      if (name.matches(PREFIX + "\\d+n\\d+")) {
        long pid = Long.parseLong(name.substring(PREFIX.length(), name.indexOf('n', 3)));
        if (ProcessHandle.of(pid).isEmpty()) {
          run("ip", "netns", "del", name);
        }
      }
    }
  }

  /** The host's end of the pair: what the namespace can reach. */
  String outside() {
    return outside;
  }

  /** The namespace's own address, reachable from the host. */
  String inside() {
    return inside;
  }

  /** Whether this machine lets the test make namespaces: root, with iproute2's {@code ip}. */
  static String missing() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "root (to make network namespaces)";
    }
    try {
      run("ip", "netns", "list");
      return null;
    } catch (IOException | RuntimeException e) {
      return "iproute2's ip (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "ip";
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run("ip", "netns", "del", name);
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
    return output;
  }
}
