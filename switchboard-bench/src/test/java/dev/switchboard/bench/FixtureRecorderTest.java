package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeAzureOpenAi;
import dev.switchboard.testkit.FakeCohere;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.FakeVertex;
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
 * and the fake's answer as sent, and no fixture holds the key it was given, nor the name of the
 * Azure resource or Google Cloud project it recorded with.
 */
class FixtureRecorderTest {
  static final String OPENAI_KEY = "sk-recorder-TESTSECRET-0123456789abcdef";
  static final String ANTHROPIC_KEY = "sk-ant-recorder-TESTSECRET-0123456789";
  static final String COHERE_KEY = "co-recorder-TESTSECRET-0123456789abcdef";
  static final String AZURE_KEY = "azure-recorder-TESTSECRET-0123456789abcdef";
  static final String AZURE_RESOURCE = "acme-TESTRESOURCE";
  static final String VERTEX_TOKEN = "ya29.recorder-TESTSECRET-0123456789";
  static final String VERTEX_PROJECT = "acme-testproject-4711";
  static final Clock NEW_YEAR = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  @Test
  void recordsEveryScenarioWithTheGatewaysRequestAndTheProvidersBytesAndNoKey() throws Exception {
    try (FakeOpenAi openAi = FakeOpenAi.start();
        FakeAnthropic anthropic = FakeAnthropic.start();
        FakeCohere cohere = FakeCohere.start();
        FakeAzureOpenAi azure = FakeAzureOpenAi.start();
        FakeVertex vertex =
            FakeVertex.builder()
                .project(VERTEX_PROJECT)
                .region("europe-west4")
                .acceptAccessToken(VERTEX_TOKEN)
                .start()) {
      FixtureRecorder recorder = new FixtureRecorder(dir, NEW_YEAR);
      List<FixtureRecorder.Provider> providers =
          FixtureRecorder.fromEnvironment(
              Map.of(
                  "OPENAI_API_KEY", OPENAI_KEY,
                  "ANTHROPIC_API_KEY", ANTHROPIC_KEY,
                  "COHERE_API_KEY", COHERE_KEY,
                  "AZURE_OPENAI_API_KEY", AZURE_KEY,
                  "AZURE_OPENAI_RESOURCE", AZURE_RESOURCE,
                  "AZURE_OPENAI_EMBEDDING_DEPLOYMENT", "text-embedding-3-small",
                  "VERTEX_ACCESS_TOKEN", VERTEX_TOKEN,
                  "VERTEX_PROJECT_ID", VERTEX_PROJECT,
                  "VERTEX_REGION", "europe-west4"));
      assertThat(providers)
          .extracting(FixtureRecorder.Provider::name)
          .containsExactly("openai", "anthropic", "cohere", "azure-openai", "vertex-ai");
      Map<String, URI> fakes =
          Map.of(
              "openai", URI.create(openAi.baseUrl()),
              "anthropic", URI.create(anthropic.baseUrl()),
              "cohere", URI.create(cohere.origin()),
              "azure-openai", URI.create(azure.baseUrl()),
              "vertex-ai", URI.create(vertex.origin()));

      for (FixtureRecorder.Provider real : providers) {
        List<Path> written = recorder.record(real.at(fakes.get(real.name())));

        List<String> names = written.stream().map(file -> file.getFileName().toString()).toList();
        assertThat(names).as(real.name()).contains("chat.json", "chat-stream.json");
        if (real.name().equals("anthropic")) {
          assertThat(names).as("Anthropic embeds nothing").doesNotContain("embeddings.json");
          assertThat(names)
              .contains("messages.json", "messages-stream.json", "messages-tool-use.json");
        } else {
          assertThat(names)
              .as("/v1/messages, through Anthropic and Bedrock only")
              .doesNotContain("messages.json");
          assertThat(names).as(real.name()).contains("embeddings.json", "embeddings-batch.json");
        }
        for (Path file : written) {
          String text = Files.readString(file);
          assertThat(text)
              .as(file.toString())
              .doesNotContain(
                  OPENAI_KEY,
                  ANTHROPIC_KEY,
                  COHERE_KEY,
                  AZURE_KEY,
                  VERTEX_TOKEN,
                  "TESTSECRET",
                  AZURE_RESOURCE,
                  "TESTRESOURCE",
                  VERTEX_PROJECT);
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

      ReplayFixture messages = ReplayFixture.read(dir.resolve("anthropic/messages-stream.json"));
      assertThat(messages.client().path()).isEqualTo("/v1/messages");
      assertThat(messages.client().headers()).containsEntry("anthropic-version", "2023-06-01");
      assertThat(messages.request().path()).isEqualTo("/v1/messages");
      assertThat(messages.response().text()).contains("event: message_stop");

      ReplayFixture embeddings = ReplayFixture.read(dir.resolve("cohere/embeddings-batch.json"));
      assertThat(embeddings.client().path()).isEqualTo("/v1/embeddings");
      assertThat(embeddings.request().path()).isEqualTo("/v2/embed");
      assertThat(embeddings.request().body().path("texts")).hasSize(2);

      ReplayFixture onAzure = ReplayFixture.read(dir.resolve("azure-openai/embeddings.json"));
      assertThat(onAzure.client().headers())
          .containsEntry("x-portkey-azure-resource-name", "replay-resource")
          .containsEntry("x-portkey-azure-deployment-id", "text-embedding-3-small");
      assertThat(onAzure.request().path())
          .startsWith("/openai/deployments/text-embedding-3-small/embeddings?api-version=");
      assertThat(onAzure.request().headers().get("api-key")).isEqualTo("<scrubbed>");

      ReplayFixture onVertex = ReplayFixture.read(dir.resolve("vertex-ai/chat.json"));
      assertThat(onVertex.client().headers())
          .containsEntry("x-portkey-vertex-project-id", "replay-project");
      assertThat(onVertex.request().path())
          .isEqualTo(
              "/v1/projects/replay-project/locations/europe-west4/publishers/google/models/"
                  + "gemini-2.0-flash:generateContent");
      assertThat(onVertex.request().headers().get("authorization")).isEqualTo("Bearer <scrubbed>");

      ReplayFixture stream = ReplayFixture.read(dir.resolve("openai/chat-stream.json"));
      assertThat(stream.response().isStream()).isTrue();
      assertThat(stream.response().text()).startsWith("data: ").endsWith("data: [DONE]\n\n");
    }
  }
}
