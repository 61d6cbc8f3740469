package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeCohere;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.testkit.ReplayFixture;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recorder, pointed at the test kit's fakes in place of the providers (which this build cannot
 * reach): it writes a fixture per scenario holding the gateway's request as the fake received it
 * and the fake's answer as sent, and no fixture holds the key it was given.
 */
class FixtureRecorderTest {
  static final String OPENAI_KEY = "sk-recorder-TESTSECRET-0123456789abcdef";
  static final String ANTHROPIC_KEY = "sk-ant-recorder-TESTSECRET-0123456789";
  static final String COHERE_KEY = "co-recorder-TESTSECRET-0123456789abcdef";
  static final Clock NEW_YEAR = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  @Test
  void recordsEveryScenarioWithTheGatewaysRequestAndTheProvidersBytesAndNoKey() throws Exception {
    try (FakeOpenAi openAi = FakeOpenAi.start();
        FakeAnthropic anthropic = FakeAnthropic.start();
        FakeCohere cohere = FakeCohere.start()) {
      FixtureRecorder recorder = new FixtureRecorder(dir, NEW_YEAR);
      List<FixtureRecorder.Provider> providers =
          FixtureRecorder.fromEnvironment(
              Map.of(
                  "OPENAI_API_KEY", OPENAI_KEY,
                  "ANTHROPIC_API_KEY", ANTHROPIC_KEY,
                  "COHERE_API_KEY", COHERE_KEY));
      assertThat(providers)
          .extracting(FixtureRecorder.Provider::name)
          .containsExactly("openai", "anthropic", "cohere");
      Map<String, URI> fakes =
          Map.of(
              "openai", URI.create(openAi.baseUrl()),
              "anthropic", URI.create(anthropic.baseUrl()),
              "cohere", URI.create(cohere.origin()));

      for (FixtureRecorder.Provider real : providers) {
        FixtureRecorder.Provider faked =
            new FixtureRecorder.Provider(
                real.name(),
                fakes.get(real.name()),
                real.headers(),
                real.credentials(),
                real.badCredentials(),
                real.secrets(),
                real.model(),
                real.resigner());
        List<Path> written = recorder.record(faked);

        assertThat(written)
            .extracting(file -> file.getFileName().toString())
            .contains("chat.json", "chat-stream.json", "tool-calls-parallel.json");
        for (Path file : written) {
          String text = Files.readString(file);
          assertThat(text)
              .as(file.toString())
              .doesNotContain(OPENAI_KEY, ANTHROPIC_KEY, COHERE_KEY, "TESTSECRET");
          ReplayFixture fixture = ReplayFixture.read(file);
          assertThat(fixture.origin()).isEqualTo("recorded 2026-01-01 " + fakes.get(real.name()));
          assertThat(fixture.client().headers()).containsEntry("x-portkey-provider", real.name());
        }
      }

      ReplayFixture chat = ReplayFixture.read(dir.resolve("anthropic/chat.json"));
      RecordedRequest received = anthropic.requests().getFirst();
      assertThat(chat.request().path()).isEqualTo(received.path());
      assertThat(chat.request().body()).isEqualTo(received.json());
      assertThat(chat.request().headers().get("x-api-key")).isEqualTo("<scrubbed>");
      assertThat(chat.response().status()).isEqualTo(200);
      assertThat(chat.response().text()).contains("\"type\":\"message\"");

      ReplayFixture stream = ReplayFixture.read(dir.resolve("openai/chat-stream.json"));
      assertThat(stream.response().isStream()).isTrue();
      assertThat(stream.response().text()).startsWith("data: ").endsWith("data: [DONE]\n\n");
    }
  }
}
