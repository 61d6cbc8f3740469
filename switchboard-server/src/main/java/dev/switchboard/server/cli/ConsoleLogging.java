package dev.switchboard.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.stream.Stream;

/**
 * The gateway's logging, set up in code rather than read from a {@code logback.xml}: one line per
 * request at INFO on standard output (never a key, header value or body), the level from {@code
 * SWITCHBOARD_LOG_LEVEL}, Jetty's own lines from WARN. In code, Logback's XML configurator and the
 * JDK's XML parser are never loaded: about 640 classes of an idle gateway's metaspace
 * (docs/benchmarks.md, "Idle memory and the jar").
 *
 * <p>A configuration of the user's wins: a file named by {@code -Dlogback.configurationFile}, or a
 * {@code logback.xml} or {@code logback-test.xml} on the classpath (an application embedding the
 * server). Then this steps aside and Logback reads that file as it would without it.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null
        || Stream.of("logback-test.xml", "logback.xml")
            .anyMatch(file -> ConsoleLogging.class.getClassLoader().getResource(file) != null)) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // java.util.logging (OpenTelemetry's SDK) is bridged to Logback by Main: JUL's levels are kept
    // in step with Logback's, so a disabled level costs JUL nothing.
    LevelChangePropagator julLevels = new LevelChangePropagator();
    julLevels.setContext(context);
    julLevels.setResetJUL(true);
    julLevels.start();
    context.addListener(julLevels);

    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("STDOUT");
    console.setEncoder(encoder);
    console.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("SWITCHBOARD_LOG_LEVEL"), Level.INFO));
    root.addAppender(console);
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    // The AWS SDK's SigV4 signer logs each canonical request at DEBUG, session token included:
    // never below INFO, whatever SWITCHBOARD_LOG_LEVEL says.
    context.getLogger("software.amazon.awssdk").setLevel(Level.INFO);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
