package dev.switchboard.observe.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewayResponse;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.observe.Observability;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The spans of requests served through the gateway's library API, read from the SDK's in-memory
 * exporter: what a tracing backend would receive.
 */
class RequestTracingTest {
  static final String CANARY_KEY = "sk-canary-7f3a9c1e5b2d4f60";
  static final ChatRequest CHAT =
      WireJson.read(
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"trace me\"}]}",
          ChatRequest.class);

  FakeOpenAi openAi;
  InMemorySpanExporter spans;
  Observability observability;
  Gateway gateway;
  final List<Duration> waits = new ArrayList<>();

  @BeforeEach
  void start() {
    openAi = FakeOpenAi.start();
    spans = InMemorySpanExporter.create();
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    observability =
        Observability.start(ObservabilitySettings.defaults().withLogsEnabled(false), sdk);
    Gateway.Builder builder =
        Gateway.builder().settings(GatewaySettings.defaults()).sleeper(waits::add);
    observability.sinks().forEach(builder::recordSink);
    gateway = builder.build();
  }

  @AfterEach
  void stop() {
    gateway.close();
    observability.close();
    openAi.close();
  }

  RequestOptions.Builder retrying(int attempts) {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\""
            + CANARY_KEY
            + "\",\"custom_host\":\""
            + openAi.baseUrl()
            + "\",\"retry\":{\"attempts\":"
            + attempts
            + "}}";
    return RequestOptions.builder().config(config).traceId("trace-of-the-client");
  }

  static <T> T attribute(SpanData span, AttributeKey<T> key) {
    return span.getAttributes().get(key);
  }

  @Test
  void aRetriedRequestIsOneServerSpanWithAClientSpanPerAttempt() {
    openAi.enqueue(Fault.status(503));

    GatewayResponse<ChatCompletion> answer = gateway.chat(CHAT, retrying(2).build());

    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(3);
    SpanData request =
        finished.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    List<SpanData> attempts =
        finished.stream()
            .filter(s -> s.getKind() == SpanKind.CLIENT)
            .sorted(
                Comparator.comparing(
                    s -> attribute(s, AttributeKey.longKey("switchboard.attempt"))))
            .toList();
    assertThat(attempts).hasSize(2);

    assertThat(request.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(request.getParentSpanContext().isValid()).isFalse();
    assertThat(request.getAttributes().asMap())
        .containsEntry(AttributeKey.stringKey("gen_ai.operation.name"), "chat")
        .containsEntry(AttributeKey.stringKey("gen_ai.provider.name"), "openai")
        .containsEntry(AttributeKey.stringKey("gen_ai.request.model"), "gpt-4o-mini")
        .containsEntry(AttributeKey.stringKey("gen_ai.response.model"), answer.body().model())
        .containsEntry(
            AttributeKey.longKey("gen_ai.usage.input_tokens"),
            (long) answer.body().usage().promptTokens())
        .containsEntry(
            AttributeKey.longKey("gen_ai.usage.output_tokens"),
            (long) answer.body().usage().completionTokens())
        .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
        .containsEntry(AttributeKey.stringKey("switchboard.request_id"), answer.facts().requestId())
        .containsEntry(AttributeKey.stringKey("portkey.trace_id"), "trace-of-the-client")
        .containsEntry(AttributeKey.longKey("switchboard.retry_count"), 1L)
        .containsEntry(AttributeKey.booleanKey("switchboard.fallback_used"), false)
        .containsEntry(AttributeKey.stringKey("switchboard.option_path"), "config")
        .doesNotContainKey(AttributeKey.stringKey("error.type"));
    assertThat(request.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(request.getAttributes().get(AttributeKey.stringKey("switchboard.cache_status")))
        .isNotBlank();

    SpanData failed = attempts.get(0);
    SpanData answered = attempts.get(1);
    for (SpanData attempt : attempts) {
      assertThat(attempt.getTraceId()).isEqualTo(request.getTraceId());
      assertThat(attempt.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(attempt.getName()).isEqualTo("chat gpt-4o-mini");
      assertThat(attempt.getStartEpochNanos()).isGreaterThanOrEqualTo(request.getStartEpochNanos());
      assertThat(attempt.getEndEpochNanos()).isLessThanOrEqualTo(request.getEndEpochNanos());
    }
    assertThat(failed.getAttributes().asMap())
        .containsEntry(AttributeKey.longKey("switchboard.retry"), 0L)
        .containsEntry(AttributeKey.longKey("http.response.status_code"), 503L)
        .containsEntry(AttributeKey.stringKey("error.type"), "provider_error")
        .containsEntry(
            AttributeKey.doubleKey("switchboard.wait_after_ms"), waits.get(0).toNanos() / 1e6);
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(answered.getAttributes().asMap())
        .containsEntry(AttributeKey.longKey("switchboard.retry"), 1L)
        .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
        .containsEntry(AttributeKey.doubleKey("switchboard.wait_after_ms"), 0.0)
        .doesNotContainKey(AttributeKey.stringKey("error.type"));
    assertThat(answered.getStartEpochNanos()).isGreaterThanOrEqualTo(failed.getEndEpochNanos());

    assertThat(finished.toString()).doesNotContain(CANARY_KEY);
  }

  @Test
  void continuesTheClientsTraceFromItsTraceparent() {
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String parentSpanId = "00f067aa0ba902b7";

    gateway.chat(
        CHAT,
        retrying(0)
            .requestHeader("traceparent", "00-" + traceId + "-" + parentSpanId + "-01")
            .build());

    SpanData request =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(request.getTraceId()).isEqualTo(traceId);
    assertThat(request.getParentSpanId()).isEqualTo(parentSpanId);
    assertThat(request.getParentSpanContext().isRemote()).isTrue();
    assertThat(request.getSpanId()).isNotEqualTo(parentSpanId);
  }

  @Test
  void anInvalidTraceparentStartsANewTrace() {
    gateway.chat(CHAT, retrying(0).requestHeader("traceparent", "00-not-a-trace-01").build());

    SpanData request =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(request.getParentSpanContext().isValid()).isFalse();
    assertThat(request.getSpanContext().isValid()).isTrue();
  }

  @Test
  void aFailedRequestIsAnErrorSpanNamingTheKindOfFailure() {
    openAi.enqueue(Fault.status(500));

    assertThatThrownBy(() -> gateway.chat(CHAT, retrying(0).build()))
        .isInstanceOf(GatewayException.class);

    SpanData request =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(request.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(request.getAttributes().asMap())
        .containsEntry(AttributeKey.stringKey("error.type"), "provider_error")
        .containsEntry(AttributeKey.longKey("http.response.status_code"), 500L);
  }

  @Test
  void autoTracesOnlyWhenOpenTelemetrysEnvironmentSaysWhere() {
    assertThat(TracingSdk.wanted(TracingMode.AUTO, Map.<String, String>of()::get)).isFalse();
    assertThat(
            TracingSdk.wanted(
                TracingMode.AUTO,
                Map.of("otel.exporter.otlp.endpoint", "http://collector:4318")::get))
        .isTrue();
    assertThat(
            TracingSdk.wanted(
                TracingMode.AUTO,
                Map.of("otel.exporter.otlp.traces.endpoint", "http://collector:4318/v1/traces")
                    ::get))
        .isTrue();
    assertThat(TracingSdk.wanted(TracingMode.AUTO, Map.of("otel.traces.exporter", "otlp")::get))
        .isTrue();
    assertThat(TracingSdk.wanted(TracingMode.AUTO, Map.of("otel.traces.exporter", "none")::get))
        .isFalse();
    assertThat(
            TracingSdk.wanted(
                TracingMode.AUTO,
                Map.of("otel.traces.exporter", "otlp", "otel.sdk.disabled", "true")::get))
        .isFalse();
    assertThat(TracingSdk.wanted(TracingMode.ON, Map.<String, String>of()::get)).isTrue();
    assertThat(TracingSdk.wanted(TracingMode.OFF, Map.of("otel.traces.exporter", "otlp")::get))
        .isFalse();
  }
}
