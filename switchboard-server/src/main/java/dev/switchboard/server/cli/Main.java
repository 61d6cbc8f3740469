package dev.switchboard.server.cli;

import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.bridge.SLF4JBridgeHandler;
import sun.misc.Signal;

/**
 * {@code java -jar switchboard.jar [--config FILE] [--<setting> VALUE]… | --help}: runs the gateway
 * until SIGTERM or SIGINT, then drains in-flight requests and exits 0. {@code java -jar
 * switchboard.jar admin …} runs the {@link AdminCommand} instead.
 */
public final class Main {
  /**
   * Portkey's flag for the port ({@code npx @portkey-ai/gateway --port=8080}), taken here as {@code
   * server.port}, so a command that starts Portkey's gateway starts this one.
   */
  private static final String PORTKEY_PORT = "port";

  /** Jetty's system property for how many object references fill a CPU cache line. */
  private static final String JETTY_REFERENCES_PER_CACHE_LINE =
      "org.eclipse.jetty.util.referencesPerCacheLine";

  private Main() {}

  public static void main(String[] args) {
    sizeJettysPadding();
    if (args.length > 0 && args[0].equals("admin")) {
      System.exit(AdminCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    // OpenTelemetry's SDK reports (a collector that cannot be reached, spans dropped) through
    // java.util.logging: into Logback with the gateway's own lines, one format, one level setting.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Path configFile = null;
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        System.out.print(help());
        return;
      }
      // --key VALUE, or --key=VALUE: Portkey's gateway reads its port only as --port=N.
      int equals = arg.indexOf('=');
      boolean joined = arg.startsWith("--") && equals > 2;
      if (!arg.startsWith("--") || (!joined && i + 1 >= args.length)) {
        exitWithUsage("expected --<setting> VALUE, got '" + arg + "'");
      }
      String key = joined ? arg.substring(2, equals) : arg.substring(2);
      String value = joined ? arg.substring(equals + 1) : args[++i];
      if (key.equals("config")) {
        configFile = Path.of(value);
      } else {
        flags.put(key.equals(PORTKEY_PORT) ? Setting.PORT.key : key, value);
      }
    }
    if (configFile == null && System.getenv("SWITCHBOARD_CONFIG") != null) {
      configFile = Path.of(System.getenv("SWITCHBOARD_CONFIG"));
    }
    ServerSettings settings;
    try {
      settings = SettingsLoader.load(configFile, System.getenv(), flags);
    } catch (IllegalArgumentException e) {
      exitWithUsage(e.getMessage());
      return;
    }
    SwitchboardServer server;
    try {
      server = SwitchboardServer.start(settings);
    } catch (IllegalStateException e) {
      System.err.println("switchboard: " + e.getMessage() + ": " + e.getCause());
      System.exit(1);
      return;
    } catch (IllegalArgumentException e) {
      exitWithUsage(e.getMessage());
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable drainAndStop =
        () -> {
          server.close();
          stopped.countDown();
        };
    // A signal handler rather than a shutdown hook: the drain must finish, then the exit is 0.
    Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().start(drainAndStop));
    Signal.handle(new Signal("INT"), signal -> Thread.ofPlatform().start(drainAndStop));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.exit(0);
  }

  static String help() {
    StringBuilder help = new StringBuilder();
    help.append(
        """
        Switchboard, an LLM gateway wire-compatible with Portkey's.

        Usage: java -jar switchboard.jar [--config FILE] [--<key> VALUE]...
               java -jar switchboard.jar admin <noun> <verb> [--flags]   (admin --help)

          --config FILE   a YAML config file (or SWITCHBOARD_CONFIG); keys are nested, e.g.
                          server:
                            port: 8787
          --port N        server.port, as Portkey's gateway takes it (also --port=N)
          --help          this text
        Every flag also takes its value after '=': --server.port=8787.

        Settings (flag / environment variable, default: description).
        Precedence: flag, environment, config file, default.

        """);
    for (Setting setting : Setting.values()) {
      help.append("  ")
          .append(setting.flag())
          .append(" / ")
          .append(setting.environmentVariable())
          .append('\n')
          .append("      default ")
          .append(setting.defaultValue)
          .append(": ")
          .append(setting.description)
          .append('\n');
    }
    help.append(
        """

        Other providers' base URLs: providers.<name>.base-url (e.g. --providers.openai.base-url).
        Sizes take B, KB, MB or GB; durations take ms, s, m or h.
        """);
    return help.toString();
  }

  /**
   * Jetty's queues pad their fields to a cache line, and find a reference's size by asking the
   * platform MBean server whether oops are compressed: that alone starts JMX (about 320 classes) in
   * every gateway. A heap under 32 GB has compressed oops (4-byte references, 16 to a 64-byte
   * line): said here, JMX stays unloaded until something uses it. A value given with -D stays.
   */
  private static void sizeJettysPadding() {
    if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
      boolean compressedOops = Runtime.getRuntime().maxMemory() < (32L << 30);
      System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, compressedOops ? "16" : "8");
    }
  }

  private static void exitWithUsage(String problem) {
    System.err.println("switchboard: " + problem);
    System.err.println("Run with --help for the settings.");
    System.exit(2);
  }
}
