package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The gateway's logging, configured in code by Logback's own start-up and stepping aside for a
 * user's file.
 */
class ConsoleLoggingTest {
  @Test
  void logbackConfiguresThisJvmThroughItWithNoXmlFile() {
    LoggerContext running = (LoggerContext) LoggerFactory.getILoggerFactory();

    assertThat(running.getLogger("org.eclipse.jetty").getLevel()).isEqualTo(Level.WARN);
    assertThat(running.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(ConsoleLogging.QUEUED))
        .isInstanceOf(AsyncAppender.class);
    assertThat(ConsoleLogging.class.getClassLoader().getResource("logback.xml")).isNull();
  }

  @Test
  void writesOneLineAPerEventToStandardOutputFromAQueueAtInfoAndKeepsTheAwsSignerAboveDebug() {
    LoggerContext context = new LoggerContext();
    ConsoleLogging logging = new ConsoleLogging();
    logging.setContext(context);

    assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    AsyncAppender queued = (AsyncAppender) root.getAppender(ConsoleLogging.QUEUED);
    assertThat(queued.isStarted()).isTrue();
    assertThat(queued.isNeverBlock()).isTrue();
    assertThat(queued.getQueueSize()).isEqualTo(ConsoleLogging.QUEUE_LINES);
    ConsoleAppender<?> console = (ConsoleAppender<?>) queued.getAppender("STDOUT");
    assertThat(console.isStarted()).isTrue();
    assertThat(console.getTarget()).isEqualTo("System.out");
    assertThat(context.getLogger("software.amazon.awssdk.auth.signer").getEffectiveLevel())
        .isEqualTo(Level.INFO);
    assertThat(context.getLogger("dev.switchboard.access").isInfoEnabled()).isTrue();
    assertThat(context.getLogger("org.eclipse.jetty.server").isInfoEnabled()).isFalse();
    context.stop();
  }

  @Test
  void stepsAsideForAFileTheUserNames() {
    LoggerContext context = new LoggerContext();
    ConsoleLogging logging = new ConsoleLogging();
    logging.setContext(context);
    System.setProperty("logback.configurationFile", "/etc/switchboard/logback.xml");
    try {
      assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    } finally {
      System.clearProperty("logback.configurationFile");
    }
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(ConsoleLogging.QUEUED))
        .isNull();
    context.stop();
  }

  @Test
  void aLoggerNeverWaitsForAStalledOutputDropsAndCountsAccessLinesAndSaysSoOnceItHasRoom()
      throws Exception {
    LoggerContext context = withMdc(new LoggerContext());
    CountDownLatch stalled = new CountDownLatch(1);
    List<String> written = new CopyOnWriteArrayList<>();
    ConsoleLogging.CountingAsyncAppender queued =
        queueInFrontOf(
            context,
            stalled,
            event -> written.add(event.getLevel() + " " + event.getFormattedMessage()));
    queued.setQueueSize(10);
    queued.setNeverBlock(true);
    queued.start();
    Logger access = context.getLogger("dev.switchboard.access");
    access.addAppender(queued);

    long started = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      access.info("POST /v1/chat/completions 200 request {}", i);
    }
    access.warn("a warning while the output is stalled");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    // The queue holds ten lines (Logback's worker may have taken a batch of them out first).
    assertThat(queued.droppedLines()).isGreaterThan(50);
    long dropped = queued.droppedLines();

    stalled.countDown();
    for (long deadline = System.nanoTime() + 10_000_000_000L;
        queued.getNumberOfElementsInQueue() > 0 && System.nanoTime() < deadline; ) {
      Thread.sleep(10);
    }
    access.info("POST /v1/chat/completions 200 request after");
    context.stop(); // writes what is queued before it returns

    assertThat(written).contains("WARN a warning while the output is stalled");
    // Said in the log itself, in one or more WARN lines (the worker takes lines from the queue in
    // batches, so room comes back more than once).
    Pattern notice =
        Pattern.compile(
            "WARN (\\d+) log lines dropped: standard output did not keep up with them"
                + " \\(the request log has every request\\)");
    assertThat(
            written.stream()
                .map(notice::matcher)
                .filter(Matcher::matches)
                .mapToLong(said -> Long.parseLong(said.group(1)))
                .sum())
        .isEqualTo(dropped);
    assertThat(written.getLast()).isEqualTo("INFO POST /v1/chat/completions 200 request after");
    // Every line is either written or counted: one producer here, so the count is exact.
    assertThat(written.stream().filter(line -> line.matches("INFO .* request \\d+")).count())
        .isEqualTo(100 - dropped);
  }

  @Test
  void aQueuedLineSaysWhatItsArgumentsWereWhenItWasLogged() throws Exception {
    LoggerContext context = withMdc(new LoggerContext());
    CountDownLatch stalled = new CountDownLatch(1);
    List<String> written = new CopyOnWriteArrayList<>();
    ConsoleLogging.CountingAsyncAppender queued =
        queueInFrontOf(context, stalled, event -> written.add(event.getFormattedMessage()));
    queued.start();
    Logger access = context.getLogger("dev.switchboard.access");
    access.addAppender(queued);

    StringBuilder status = new StringBuilder("200");
    access.info("POST /v1/chat/completions {}", status);
    status.replace(0, 3, "500");
    stalled.countDown();
    context.stop();

    assertThat(written).containsExactly("POST /v1/chat/completions 200");
  }

  /** As SLF4J's provider gives the running context one. */
  private static LoggerContext withMdc(LoggerContext context) {
    context.setMDCAdapter(new LogbackMDCAdapter());
    return context;
  }

  /**
   * The gateway's queue (not started) in front of an output that writes nothing until {@code
   * stalled} opens, like a pipe nobody reads.
   */
  private static ConsoleLogging.CountingAsyncAppender queueInFrontOf(
      LoggerContext context, CountDownLatch stalled, Consumer<ILoggingEvent> write) {
    AppenderBase<ILoggingEvent> output =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            try {
              stalled.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            write.accept(event);
          }
        };
    output.setContext(context);
    output.start();
    ConsoleLogging.CountingAsyncAppender queued = new ConsoleLogging.CountingAsyncAppender();
    queued.setContext(context);
    queued.addAppender(output);
    return queued;
  }
}
