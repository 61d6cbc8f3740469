package dev.switchboard.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The Spring Boot example, run as a user runs it: what it returns is what it did. */
class SpringBootAgentTest {
  @Test
  void theAppConfiguredByTheStarterRunsTheToolAndAnswersFromTheFallbackTarget() {
    SpringBootAgent.Outcome outcome;
    try (var app = SpringBootAgent.start(null)) {
      outcome = SpringBootAgent.run(app);
    }

    assertThat(outcome.toolsRun()).containsExactly("weather(Paris)");
    assertThat(outcome.answer()).contains("18C and sunny in Paris");
    assertThat(outcome.gateway().provider()).isEqualTo("mock");
    assertThat(outcome.gateway().lastUsedOptionIndex()).isEqualTo("config.targets[1]");
  }
}
