package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.server.LeavingClient;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream its client cancels is not free, and not charged its whole estimate either: the tokens
 * the provider streamed before the client left are counted (from the chunks' text, the provider
 * having sent no usage yet), the prompt as the provider counted it (Anthropic's {@code
 * message_start}) or else at the request's estimate, and the key's token budget is charged that.
 * Before the fix the record had no tokens and the budget kept the estimate, with the request's
 * whole {@code max_tokens}.
 */
class CancelledStreamBudgetHttpTest {
  static final String ADMIN_TOKEN = "sbadm-cancel-" + UUID.randomUUID();
  static final String STREAM =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"tell me a long"
          + " story\"}],\"max_tokens\":500,\"stream\":true}";

  static final String MESSAGES_STREAM =
      "{\"model\":\"claude-3-5-haiku-latest\",\"max_tokens\":500,\"messages\":[{\"role\":"
          + "\"user\",\"content\":\"tell me a long story\"}],\"stream\":true}";

  /** The prompt's tokens as the fake Anthropic counts them in its {@code message_start}. */
  static final int PROVIDER_PROMPT_TOKENS = 11;

  static final String RESPONSES_STREAM =
      "{\"model\":\"gpt-4o-mini\",\"input\":\"tell me a long story\","
          + "\"max_output_tokens\":500,\"stream\":true}";

  @TempDir Path data;
  FakeOpenAi openai;
  FakeAnthropic anthropic;
  AccessGateway gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withObservability(
                    ObservabilitySettings.defaults().withDataDirectory(data.resolve("logs")))
                .withProviderBaseUrls(
                    Map.of("openai", openai.baseUrl(), "anthropic", anthropic.baseUrl())));
  }

  @AfterEach
  void stop() {
    gateway.close();
    anthropic.close();
    openai.close();
  }

  @Test
  void anAnthropicMessagesStreamItsClientCancelsIsChargedTheTokensStreamedSoFar() throws Exception {
    AccessGateway.CreatedKey key = keyWithATokenBudget("ws-cancel-messages");
    // message_start (with the prompt's count), content_block_start, ping, then "Hello ",
    // "from ", "the "; then silence.
    anthropic.enqueue(
        AnthropicReply.builder()
            .text("Hello from the fake Anthropic.")
            .usage(PROVIDER_PROMPT_TOKENS, 5)
            .build());
    anthropic.enqueue(Fault.streamStall(6, Duration.ofSeconds(30)));
    readEventsThenLeave(
        "/v1/messages",
        MESSAGES_STREAM,
        6,
        "x-portkey-provider",
        "anthropic",
        "x-api-key",
        "sk-ant-fake",
        "anthropic-version",
        "2023-06-01",
        "x-portkey-api-key",
        key.secret(),
        "x-portkey-trace-id",
        "t-cancelled-messages");

    assertThat(anthropic.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(1))).isTrue();
    // message_start told the prompt as the provider counted it: that, not the estimate.
    assertChargedWhatWasStreamed("t-cancelled-messages", key.id(), PROVIDER_PROMPT_TOKENS);
  }

  @Test
  void aPassedThroughStreamItsClientCancelsIsChargedTheTokensStreamedSoFar() throws Exception {
    AccessGateway.CreatedKey key = keyWithATokenBudget("ws-cancel-relayed");
    // The Responses API's created, in_progress, output_item.added, content_part.added, then
    // "Hello ", "from ", "the "; then silence.
    openai.enqueue(Fault.streamStall(7, Duration.ofSeconds(30)));
    readEventsThenLeave(
        "/v1/responses",
        RESPONSES_STREAM,
        7,
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-fake",
        "x-portkey-api-key",
        key.secret(),
        "x-portkey-trace-id",
        "t-cancelled-relayed");

    assertThat(openai.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(1))).isTrue();
    // A passed-through body's estimate counts its bytes as they came.
    assertChargedWhatWasStreamed("t-cancelled-relayed", key.id(), RESPONSES_STREAM.length());
  }

  /**
   * The record and the key's budget say what three events of text (15 bytes) cost: the prompt (as
   * the provider counted it, else at its estimate) and 4 completion tokens, not the estimate's 500.
   */
  private void assertChargedWhatWasStreamed(String trace, String keyId, int prompt)
      throws InterruptedException {
    JsonNode record = gateway.awaitRecord(trace);
    assertThat(record.path("error_type").asText()).isEqualTo("client_closed");
    assertThat(record.path("stream_end").asText()).isEqualTo("client_closed");
    assertThat(record.path("completion_tokens").asInt()).as(record.toString()).isEqualTo(4);
    assertThat(record.path("prompt_tokens").asInt()).isEqualTo(prompt);
    JsonNode usage = gateway.awaitSettled(keyId);
    assertThat(usage.findValue("spent_tokens").asLong())
        .as("not the estimate, with all of the 500 output tokens asked")
        .isEqualTo(prompt + 4);
  }

  private AccessGateway.CreatedKey keyWithATokenBudget(String workspace) {
    gateway.createWorkspace(workspace, null);
    return gateway.createKey(
        workspace, "canceller", null, "{\"budget\":{\"tokens\":100000,\"period\":\"month\"}}");
  }

  private void readEventsThenLeave(String path, String body, int events, String... headers)
      throws Exception {
    try (LeavingClient client = LeavingClient.post(gateway.port(), path, body, headers)) {
      client.readEvents(events);
    }
  }

  @Test
  void aStreamItsClientCancelsIsChargedTheTokensStreamedSoFar() throws Exception {
    gateway.createWorkspace("ws-cancel", null);
    AccessGateway.CreatedKey key =
        gateway.createKey(
            "ws-cancel",
            "canceller",
            null,
            "{\"budget\":{\"tokens\":100000,\"period\":\"month\"}}");
    // The role's event, then "Hello ", "from ", "the ": three events of text, 15 bytes; the
    // provider then thinks for 30 s, and the client gives up.
    openai.enqueue(Fault.streamStall(4, Duration.ofSeconds(30)));
    readEventsThenLeave(key.secret(), "t-cancelled-stream", 4);

    assertThat(openai.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(1))).isTrue();
    JsonNode record = gateway.awaitRecord("t-cancelled-stream");
    assertThat(record.path("stream_end").asText()).isEqualTo("client_closed");
    // The larger of one token per event of text (3) and one per 4 bytes of it (15 bytes: 4).
    assertThat(record.path("completion_tokens").asInt()).isEqualTo(4);
    int promptEstimate = WireJson.write(WireJson.read(STREAM, ChatRequest.class)).length;
    assertThat(record.path("prompt_tokens").asInt()).isEqualTo(promptEstimate);
    assertThat(record.path("cost_usd").asDouble()).isPositive();

    JsonNode usage = gateway.awaitSettled(key.id());
    assertThat(usage.findValue("spent_tokens").asLong()).isEqualTo(promptEstimate + 4);
    assertThat(usage.findValue("spent_tokens").asLong())
        .as("not the estimate, with all of max_tokens")
        .isLessThan(promptEstimate + 500);
  }

  private void readEventsThenLeave(String gatewayKey, String trace, int events) throws Exception {
    try (LeavingClient client =
        LeavingClient.post(
            gateway.port(),
            "/v1/chat/completions",
            STREAM,
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-fake",
            "x-portkey-api-key",
            gatewayKey,
            "x-portkey-trace-id",
            trace)) {
      client.readEvents(events);
    }
  }
}
