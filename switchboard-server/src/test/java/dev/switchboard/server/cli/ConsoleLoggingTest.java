package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.core.ConsoleAppender;
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
    assertThat(running.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT"))
        .isInstanceOf(ConsoleAppender.class);
    assertThat(ConsoleLogging.class.getClassLoader().getResource("logback.xml")).isNull();
  }

  @Test
  void writesOneLineAPerEventToStandardOutputAtInfoAndKeepsTheAwsSignerAboveDebug() {
    LoggerContext context = new LoggerContext();
    ConsoleLogging logging = new ConsoleLogging();
    logging.setContext(context);

    assertThat(logging.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("STDOUT");
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
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT")).isNull();
    context.stop();
  }
}
