package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every example, run as a user runs it, against one gateway; what it prints is what it did. */
class ExamplesTest {
  static ExampleGateway gateway;

  @BeforeAll
  static void start() {
    gateway = ExampleGateway.startInProcess();
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void theAgentCallsBothToolsInOneTurnAndStreamsAnAnswerFromTheFallbackTarget() {
    List<String> pieces = new ArrayList<>();

    ParallelToolsAgent.Outcome outcome = ParallelToolsAgent.run(gateway.baseUrl(), pieces::add);

    assertThat(outcome.toolsCalled()).containsExactly("get_weather", "get_time");
    assertThat(outcome.answeredBy()).isEqualTo("config.targets[1]");
    assertThat(pieces).hasSizeGreaterThan(3);
    assertThat(String.join("", pieces))
        .isEqualTo(outcome.answer())
        .contains("18C and sunny in mock")
        .contains("14:05 in mock");
  }
}
