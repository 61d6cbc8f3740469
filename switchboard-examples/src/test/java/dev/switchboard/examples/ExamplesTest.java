package dev.switchboard.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.Gateway;
import dev.switchboard.server.EmbeddedGateway;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

  @Test
  void theLangChain4jAgentCallsBothToolsFromOneAnswerAndStreamsTheirResultsFromTheFallbackTarget() {
    List<String> pieces = new CopyOnWriteArrayList<>();

    TravelAgent.Outcome outcome =
        TravelAgent.run(TravelAgent.model(gateway.baseUrl()), pieces::add);

    assertTravelAgentAnswered(outcome, pieces);
  }

  @Test
  void theSameAgentInProcessAnswersAlikeFromTheSettingsSavedConfig() {
    List<String> pieces = new CopyOnWriteArrayList<>();

    TravelAgent.Outcome outcome;
    try (Gateway inProcess = EmbeddedGateway.fromYaml(InProcessTravelAgent.SETTINGS)) {
      outcome = TravelAgent.run(InProcessTravelAgent.model(inProcess), pieces::add);
    }

    assertTravelAgentAnswered(outcome, pieces);
  }

  private static void assertTravelAgentAnswered(TravelAgent.Outcome outcome, List<String> pieces) {
    assertThat(outcome.toolsAskedForAtOnce()).containsExactly("weather", "time");
    assertThat(outcome.toolsRun())
        .containsExactlyInAnyOrder("weather(Paris)", "time(Europe/Paris)");
    assertThat(pieces).hasSizeGreaterThan(3);
    assertThat(String.join("", pieces))
        .isEqualTo(outcome.answer())
        .contains("18C and sunny in Paris")
        .contains("14:05 in Europe/Paris");
    assertThat(outcome.gateway().provider()).isEqualTo("mock");
    assertThat(outcome.gateway().lastUsedOptionIndex()).isEqualTo("config.targets[1]");
  }

  @Test
  void structuredOutputFillsTheRecordThroughTheClientAndThroughLangChain4j() {
    StructuredOutput.Outcome outcome = StructuredOutput.run(gateway.baseUrl());

    // The mock fills what the record's JSON schema asks for: strings "mock", numbers 1, lists of
    // one item. A record that came back whole proves the schema went out and the answer was read.
    var expected = new StructuredOutput.City("mock", "mock", 1, List.of("mock"));
    assertThat(outcome.fromClient()).isEqualTo(expected);
    assertThat(outcome.fromClientAnsweredBy()).isEqualTo("config.targets[1]");
    assertThat(outcome.fromLangChain4j()).isEqualTo(expected);
  }

  @Test
  void theMcpAgentsModelAndToolsBothGoThroughTheGateway() throws Exception {
    McpToolsAgent.Outcome outcome;
    try (var mcpGateway = McpToolsAgent.startGateway()) {
      outcome = McpToolsAgent.run(mcpGateway.baseUri().toString());
    }

    assertThat(outcome.tools()).containsExactly("travel__time", "travel__weather");
    assertThat(outcome.answer())
        .contains("18C and sunny in Paris")
        .contains("14:05 in Europe/Paris");
  }
}
