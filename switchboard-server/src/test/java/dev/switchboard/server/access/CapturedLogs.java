package dev.switchboard.server.access;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Every log line of this JVM while open: an appender on Logback's root logger, so every logger's
 * lines reach it (ours, Jetty's, HikariCP's, OpenTelemetry's through JUL). Each line is kept as
 * everything a log file could show of it: logger, level, thread, the formatted message, its
 * arguments, the MDC, the key-value pairs and the whole throwable chain with its stack. The
 * gateway's own loggers ({@code dev.switchboard}) are turned down to DEBUG while it is open, as an
 * operator chasing a problem would set them.
 */
final class CapturedLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final Queue<String> lines = new ConcurrentLinkedQueue<>();
  private final Logger root;
  private final Logger ours;
  private final Level oursBefore;

  private CapturedLogs() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    setContext(context);
    setName("captured-logs");
    this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    this.ours = context.getLogger("dev.switchboard");
    this.oursBefore = ours.getLevel();
  }

  /** Starts capturing every line logged from now on until {@link #close()}. */
  static CapturedLogs capture() {
    CapturedLogs logs = new CapturedLogs();
    logs.start();
    logs.root.addAppender(logs);
    logs.ours.setLevel(Level.DEBUG);
    return logs;
  }

  @Override
  protected void append(ILoggingEvent event) {
    StringBuilder line = new StringBuilder();
    line.append(event.getLevel())
        .append(' ')
        .append(event.getThreadName())
        .append(' ')
        .append(event.getLoggerName())
        .append(" - ")
        .append(event.getFormattedMessage());
    if (event.getArgumentArray() != null) {
      line.append(" args=").append(Arrays.deepToString(event.getArgumentArray()));
    }
    if (event.getMDCPropertyMap() != null && !event.getMDCPropertyMap().isEmpty()) {
      line.append(" mdc=").append(event.getMDCPropertyMap());
    }
    if (event.getKeyValuePairs() != null && !event.getKeyValuePairs().isEmpty()) {
      line.append(" kv=").append(event.getKeyValuePairs());
    }
    for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
      line.append("\n").append(t.getClassName()).append(": ").append(t.getMessage());
      for (StackTraceElementProxy frame : t.getStackTraceElementProxyArray()) {
        line.append("\n\tat ").append(frame.getSTEAsString());
      }
      for (IThrowableProxy suppressed : t.getSuppressed()) {
        line.append("\nSuppressed: ")
            .append(suppressed.getClassName())
            .append(": ")
            .append(suppressed.getMessage());
      }
    }
    lines.add(line.toString());
  }

  /** The lines captured so far. */
  List<String> lines() {
    return new ArrayList<>(lines);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    ours.setLevel(oursBefore);
    stop();
  }
}
