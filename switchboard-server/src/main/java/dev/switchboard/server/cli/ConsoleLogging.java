package dev.switchboard.server.cli;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.hook.DefaultShutdownHook;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The gateway's logging, set up in code rather than read from a {@code logback.xml}: one line per
 * request at INFO on standard output (never a key, header value or body), the level from {@code
 * SWITCHBOARD_LOG_LEVEL}, Jetty's own lines from WARN. In code, Logback's XML configurator and the
 * JDK's XML parser are never loaded: about 640 classes of an idle gateway's metaspace
 * (docs/benchmarks.md, "Idle memory and the jar").
 *
 * <p>Lines are written by one thread of Logback's own ({@link AsyncAppender}), not by the request
 * that logs them: a request only formats its line and puts it on a bounded queue, never waits for
 * standard output (a slow terminal or a full pipe). When the queue is nearly full (fewer than a
 * fifth of its {@value #QUEUE_LINES} places free) lines at INFO and below, the access lines, are
 * dropped and counted, and a WARN line says how many once there is room again; WARN and ERROR lines
 * keep the last fifth and are dropped (and counted) only when it is full too. The request log, not
 * standard output, is the record of every request. At exit (the end of a graceful stop, or any
 * {@code System.exit}) a shutdown hook stops Logback, which writes what is queued first, waiting up
 * to {@value #FLUSH_MILLIS} ms.
 *
 * <p>A configuration of the user's wins: a file named by {@code -Dlogback.configurationFile}, or a
 * {@code logback.xml} or {@code logback-test.xml} on the classpath (an application embedding the
 * server). Then this steps aside and Logback reads that file as it would without it.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
  /** No thread name, no MDC: the queue does not keep them (CountingAsyncAppender.preprocess). */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  /** The root logger's appender: the queue in front of standard output. */
  static final String QUEUED = "QUEUED";

  /** Lines the queue holds: about 0.7 s of access lines at 6,000 requests a second. */
  static final int QUEUE_LINES = 4096;

  /** How long stopping Logback waits for the queued lines to be written. */
  static final int FLUSH_MILLIS = 2000;

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
    CountingAsyncAppender queued = new CountingAsyncAppender();
    queued.setContext(context);
    queued.setName(QUEUED);
    queued.setQueueSize(QUEUE_LINES);
    queued.setNeverBlock(true);
    queued.setMaxFlushTime(FLUSH_MILLIS);
    queued.addAppender(console);
    queued.start();

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("SWITCHBOARD_LOG_LEVEL"), Level.INFO));
    root.addAppender(queued);
    context.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
    // The AWS SDK's SigV4 signer logs each canonical request at DEBUG, session token included:
    // never below INFO, whatever SWITCHBOARD_LOG_LEVEL says.
    context.getLogger("software.amazon.awssdk").setLevel(Level.INFO);
    // Logback's own hook, as <shutdownHook/> in a logback.xml installs it: Main ends a graceful
    // stop with System.exit, and the lines still queued (the last requests' access lines) are
    // written before the JVM halts.
    DefaultShutdownHook flush = new DefaultShutdownHook();
    flush.setContext(context);
    Runtime.getRuntime().addShutdownHook(new Thread(flush, "switchboard-log-flush"));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * Logback's {@link AsyncAppender} that counts what it drops and says so: what it drops at the
   * discarding threshold ({@link AsyncAppender#isDiscardable}: INFO and below) and what a full
   * queue refuses (its {@code neverBlock} offer, which Logback drops silently). The count is
   * written as one WARN line through the queue once it has room again, and is kept for tests.
   */
  static final class CountingAsyncAppender extends AsyncAppender {
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedInAll = new AtomicLong();

    @Override
    protected void append(ILoggingEvent event) {
      if (dropped.get() > 0 && !isQueueBelowDiscardingThreshold()) {
        long lines = dropped.getAndSet(0);
        if (lines > 0) {
          super.append(
              new LoggingEvent(
                  Logger.FQCN,
                  ((LoggerContext) getContext()).getLogger(ConsoleLogging.class),
                  Level.WARN,
                  lines
                      + " log lines dropped: standard output did not keep up with them (the"
                      + " request log has every request)",
                  null,
                  null));
        }
      }
      super.append(event);
    }

    /**
     * What must be fixed on the logging thread before a line waits in the queue: its message, whose
     * arguments may change later. Logback's own preprocess also names the thread (for a virtual
     * thread, one reflective method lookup per line, most of what the queue still cost a request)
     * and copies the MDC: {@link #PATTERN} prints neither.
     */
    @Override
    protected void preprocess(ILoggingEvent event) {
      event.getFormattedMessage();
    }

    @Override
    protected boolean isDiscardable(ILoggingEvent event) {
      boolean discarded = super.isDiscardable(event);
      if (discarded) {
        countDropped();
      }
      return discarded;
    }

    @Override
    protected void put(ILoggingEvent event) {
      // Logback offers to the queue and ignores a refusal; a full queue is counted here instead
      // (a racing put can still slip past this check and be refused uncounted: the count is a
      // lower bound).
      if (getRemainingCapacity() == 0) {
        countDropped();
      } else {
        super.put(event);
      }
    }

    private void countDropped() {
      dropped.incrementAndGet();
      droppedInAll.incrementAndGet();
    }

    /** Lines dropped since the start. */
    long droppedLines() {
      return droppedInAll.get();
    }
  }
}
