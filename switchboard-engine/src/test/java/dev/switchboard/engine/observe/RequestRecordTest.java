package dev.switchboard.engine.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.observe.RequestRecord.StreamEnd;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The record the engine hands its sinks for each request, in process: what was asked, the attempts
 * the router made, and how the answer ended.
 */
class RequestRecordTest {
  private final List<RequestRecord> records = new CopyOnWriteArrayList<>();
  private FakeOpenAi openai;
  private Gateway gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    gateway =
        Gateway.builder()
            .settings(
                GatewaySettings.builder()
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .build())
            .sleeper(wait -> {})
            .recordSink(records::add)
            .build();
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  private static ChatRequest chat(boolean stream) {
    return WireJson.read(
        "{\"model\":\"gpt-4o-mini\",\"stream\":"
            + stream
            + ",\"stream_options\":"
            + (stream ? "{\"include_usage\":true}" : "null")
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}",
        ChatRequest.class);
  }

  private static RequestOptions.Builder options() {
    return RequestOptions.builder()
        .provider("openai")
        .apiKey("sk-test-secret-canary-123")
        .traceId("trace-1")
        .metadata(Map.of("team", "search"));
  }

  @Test
  void aWholeAnswerIsRecordedWithItsTokensAndOneAttempt() {
    var answer = gateway.chat(chat(false), options().build());

    assertThat(records).hasSize(1);
    RequestRecord record = records.getFirst();
    assertThat(record.id()).isEqualTo(answer.facts().requestId());
    assertThat(record.traceId()).isEqualTo("trace-1");
    assertThat(record.path()).isEqualTo("/v1/chat/completions");
    assertThat(record.method()).isEqualTo("POST");
    assertThat(record.provider()).isEqualTo("openai");
    assertThat(record.requestModel()).isEqualTo("gpt-4o-mini");
    assertThat(record.model()).isEqualTo(answer.body().model());
    assertThat(record.status()).isEqualTo(200);
    assertThat(record.errorType()).isNull();
    assertThat(record.promptTokens()).isEqualTo(answer.body().usage().promptTokens());
    assertThat(record.completionTokens()).isEqualTo(answer.body().usage().completionTokens());
    assertThat(record.streamed()).isFalse();
    assertThat(record.streamEnd()).isNull();
    assertThat(record.metadata()).containsEntry("team", "search");
    assertThat(record.attempts()).hasSize(1);
    assertThat(record.attempts().getFirst().optionPath()).isEqualTo("config");
    assertThat(record.retries()).isZero();
    assertThat(record.fallbackUsed()).isFalse();
    assertThat(record.requestBody()).isNull();
    assertThat(record.responseBody()).isNull();
  }

  @Test
  void retriesAndAFallbackAreRecordedAttemptByAttempt() {
    openai.enqueue(Fault.status(503));
    openai.enqueue(Fault.status(503));
    openai.enqueue(Fault.status(429));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"openai","api_key":"sk-a","retry":{"attempts":1}},
          {"provider":"openai","api_key":"sk-b","retry":{"attempts":1,"on_status_codes":[429]}}]}\
        """;

    gateway.chat(chat(false), options().config(config).build());

    RequestRecord record = records.getFirst();
    assertThat(record.status()).isEqualTo(200);
    assertThat(record.config()).startsWith("inline:");
    assertThat(record.attempts())
        .extracting(
            AttemptRecord::optionPath,
            AttemptRecord::retry,
            AttemptRecord::status,
            AttemptRecord::errorType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "config.targets[0]", 0, 503, ErrorTypes.PROVIDER_ERROR),
            org.assertj.core.groups.Tuple.tuple(
                "config.targets[0]", 1, 503, ErrorTypes.PROVIDER_ERROR),
            org.assertj.core.groups.Tuple.tuple(
                "config.targets[1]", 0, 429, ErrorTypes.RATE_LIMITED),
            org.assertj.core.groups.Tuple.tuple("config.targets[1]", 1, 200, null));
    assertThat(record.attempts().getFirst().waitAfterMs()).isPositive();
    assertThat(record.attempts().get(1).waitAfterMs()).isZero();
    assertThat(record.retries()).isEqualTo(2);
    assertThat(record.fallbackUsed()).isTrue();
    assertThat(record.optionPath()).isEqualTo("config.targets[1]");
  }

  @Test
  void aFailureIsRecordedWithItsStatusAndKind() {
    openai.enqueue(Fault.status(400));

    assertThatThrownBy(() -> gateway.chat(chat(false), options().build()))
        .isInstanceOf(GatewayException.class);

    RequestRecord record = records.getFirst();
    assertThat(record.status()).isEqualTo(400);
    assertThat(record.errorType()).isEqualTo(ErrorTypes.PROVIDER_ERROR);
    assertThat(record.attempts()).hasSize(1);
  }

  @Test
  void aCompletedStreamIsRecordedWhenItEndsWithItsTimeToFirstToken() {
    try (var stream = gateway.chatStream(chat(true), options().build())) {
      while (stream.next() != null) {
        assertThat(records).isEmpty();
      }
    }

    RequestRecord record = records.getFirst();
    assertThat(records).hasSize(1);
    assertThat(record.streamed()).isTrue();
    assertThat(record.streamEnd()).isEqualTo(StreamEnd.COMPLETED);
    assertThat(record.ttftMs()).isNotNull().isPositive().isLessThanOrEqualTo(record.latencyMs());
    assertThat(record.promptTokens()).isPositive();
    assertThat(record.completionTokens()).isPositive();
  }

  @Test
  void aStreamTheProviderCutIsRecordedAsCut() {
    openai.enqueue(Fault.cutStreamAfter(2));

    try (var stream = gateway.chatStream(chat(true), options().build())) {
      assertThatThrownBy(
              () -> {
                while (stream.next() != null) {}
              })
          .isInstanceOf(GatewayException.class);
    }

    RequestRecord record = records.getFirst();
    assertThat(records).hasSize(1);
    assertThat(record.streamEnd()).isEqualTo(StreamEnd.UPSTREAM_CUT);
    assertThat(record.errorType()).isEqualTo(ErrorTypes.STREAM_CUT);
  }

  @Test
  void aStreamClosedEarlyIsRecordedAsClosedByTheClient() {
    try (var stream = gateway.chatStream(chat(true), options().build())) {
      ChatCompletionChunk first = stream.next();
      assertThat(first).isNotNull();
    }

    RequestRecord record = records.getFirst();
    assertThat(record.streamEnd()).isEqualTo(StreamEnd.CLIENT_CLOSED);
    assertThat(record.errorType()).isEqualTo(ErrorTypes.CLIENT_CLOSED);
  }

  @Test
  void bodiesAreKeptOnlyWhenTheConfigAsksAndNeverWithTheKey() {
    ChatRequest leaky =
        WireJson.read(
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"my key is sk-test-secret-canary-123\"}]}",
            ChatRequest.class);
    gateway.chat(leaky, options().config("{\"provider\":\"openai\",\"log_bodies\":true}").build());

    RequestRecord record = records.getFirst();
    assertThat(record.requestBody()).contains("my key is [REDACTED]");
    assertThat(record.requestBody()).doesNotContain("sk-test-secret-canary-123");
    assertThat(record.responseBody()).contains("\"choices\"");
  }

  @Test
  void anInvalidConfigIsRecordedBeforeAnyAttempt() {
    assertThatThrownBy(
            () -> gateway.chat(chat(false), options().config("{\"strategy\":1}").build()))
        .isInstanceOf(GatewayException.class);

    RequestRecord record = records.getFirst();
    assertThat(record.status()).isEqualTo(400);
    assertThat(record.errorType()).isEqualTo(ErrorTypes.INVALID_REQUEST);
    assertThat(record.attempts()).isEmpty();
    assertThat(record.provider()).isNull();
  }
}
