package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.tracing.TracingMode;
import dev.switchboard.testkit.FakeOpenAi;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces leave the gateway over OTLP/HTTP as OpenTelemetry's environment configures them: a
 * receiver in the test stands in for a collector, and the spans it gets are decoded with the OTLP
 * protobuf definitions. The SDK reads the {@code otel.*} system properties as it reads the {@code
 * OTEL_*} environment variables; the test sets the properties only while the gateway starts.
 */
class TracingExportTest {
  static final String PROVIDER_KEY = "sk-canary-trace-5d2e9b7a1c3f4086";
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"export me\"}]}";

  FakeOpenAi openAi;
  OtlpReceiver collector;
  List<byte[]> exports;
  List<String> contentTypes;

  @BeforeEach
  void start() throws IOException {
    openAi = FakeOpenAi.start();
    collector = OtlpReceiver.start();
    exports = collector.exports();
    contentTypes = collector.contentTypes();
  }

  @AfterEach
  void stop() {
    collector.close();
    openAi.close();
  }

  GatewayUnderTest gatewayWith(TracingMode mode, Map<String, String> otelProperties) {
    otelProperties.forEach(System::setProperty);
    try {
      return GatewayUnderTest.start(
          openAi.baseUrl(),
          settings ->
              settings.withObservability(
                  ObservabilitySettings.defaults().withLogsEnabled(false).withTracing(mode)));
    } finally {
      otelProperties.keySet().forEach(System::clearProperty);
    }
  }

  String endpoint() {
    return collector.endpoint();
  }

  @Test
  void exportsEachRequestAsASpanTreeToTheOtlpEndpointOfTheEnvironment() throws Exception {
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    String parentSpanId = "b7ad6b7169203331";
    try (GatewayUnderTest gateway =
        gatewayWith(TracingMode.AUTO, Map.of("otel.exporter.otlp.endpoint", endpoint()))) {
      var response =
          gateway.postJson(
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer " + PROVIDER_KEY,
              "traceparent",
              "00-" + traceId + "-" + parentSpanId + "-01");
      assertThat(response.statusCode()).isEqualTo(200);
    } // closing the gateway flushes the spans it holds

    assertThat(exports).isNotEmpty();
    assertThat(contentTypes).allMatch("application/x-protobuf"::equals);
    List<ResourceSpans> resources = new ArrayList<>();
    for (byte[] export : exports) {
      assertThat(new String(export, StandardCharsets.ISO_8859_1)).doesNotContain(PROVIDER_KEY);
      resources.addAll(ExportTraceServiceRequest.parseFrom(export).getResourceSpansList());
    }
    List<Span> spans =
        resources.stream()
            .flatMap(r -> r.getScopeSpansList().stream())
            .flatMap(s -> s.getSpansList().stream())
            .toList();
    assertThat(resources)
        .allSatisfy(r ->
            assertThat(attributes(r.getResource().getAttributesList()))
                .containsEntry("service.name", "switchboard"));
    assertThat(
            resources.stream()
                .flatMap(r -> r.getScopeSpansList().stream())
                .map(ScopeSpans::getScope)
                .map(scope -> scope.getName())
                .distinct())
        .containsExactly("dev.switchboard.gateway");
    assertThat(spans).hasSize(2);

    Span request = single(spans, Span.SpanKind.SPAN_KIND_SERVER);
    Span attempt = single(spans, Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(request.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(hex(request.getTraceId())).isEqualTo(traceId);
    assertThat(hex(request.getParentSpanId())).isEqualTo(parentSpanId);
    assertThat(attributes(request.getAttributesList()))
        .containsEntry("gen_ai.operation.name", "chat")
        .containsEntry("gen_ai.provider.name", "openai")
        .containsEntry("gen_ai.request.model", "gpt-4o-mini")
        .containsEntry("http.response.status_code", "200")
        .containsEntry("switchboard.retry_count", "0")
        .containsKeys("gen_ai.usage.input_tokens", "switchboard.request_id", "portkey.trace_id");
    assertThat(hex(attempt.getTraceId())).isEqualTo(traceId);
    assertThat(attempt.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(attributes(attempt.getAttributesList()))
        .containsEntry("switchboard.retry", "0")
        .containsEntry("http.response.status_code", "200");
  }

  @Test
  void aGatewayProcessExportsWhereItsOtelEnvironmentSaysAndFlushesWhenStopped() throws Exception {
    Map<String, String> environment =
        Map.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint(),
            "OTEL_SERVICE_NAME", "switchboard-eu-1",
            // Longer than the test: the span can only leave with the flush on SIGTERM.
            "OTEL_BSP_SCHEDULE_DELAY", "600000");
    try (GatewayProcess gateway =
        GatewayProcess.start(
            environment,
            "--logs.enabled",
            "false",
            "--providers.openai.base-url",
            openAi.baseUrl())) {
      var response =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                      .header("content-type", "application/json")
                      .header("x-portkey-provider", "openai")
                      .header("authorization", "Bearer " + PROVIDER_KEY)
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CHAT))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(exports).isEmpty();

      gateway.process.destroy(); // SIGTERM
      assertThat(gateway.process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process.exitValue()).isZero();
    }

    assertThat(exports).hasSize(1);
    assertThat(new String(exports.getFirst(), StandardCharsets.ISO_8859_1))
        .doesNotContain(PROVIDER_KEY);
    ResourceSpans resource =
        ExportTraceServiceRequest.parseFrom(exports.getFirst()).getResourceSpans(0);
    assertThat(attributes(resource.getResource().getAttributesList()))
        .containsEntry("service.name", "switchboard-eu-1");
    List<Span> spans =
        resource.getScopeSpansList().stream().flatMap(s -> s.getSpansList().stream()).toList();
    assertThat(spans).extracting(Span::getName).containsOnly("chat gpt-4o-mini");
    assertThat(spans)
        .extracting(Span::getKind)
        .containsExactlyInAnyOrder(Span.SpanKind.SPAN_KIND_SERVER, Span.SpanKind.SPAN_KIND_CLIENT);
  }

  @Test
  void otlpOverGrpcStopsTheGatewayAtStartSayingWhatToSetInstead() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.addAll(List.of("dev.switchboard.server.cli.Main", "--logs.enabled", "false"));
    command.addAll(List.of("--server.port", "0"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317");
    builder.environment().put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(output)
        .contains("tracing: the OpenTelemetry settings (OTEL_*) are invalid")
        .contains("set OTEL_EXPORTER_OTLP_PROTOCOL to http/protobuf");
  }

  @Test
  void aCollectorThatIsDownCostsTheRequestsNothing() throws Exception {
    String deadEndpoint;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadEndpoint = "http://127.0.0.1:" + socket.getLocalPort();
    } // closed: connections to it are refused
    try (GatewayUnderTest gateway =
        gatewayWith(
            TracingMode.AUTO,
            Map.of("otel.exporter.otlp.endpoint", deadEndpoint, "otel.bsp.schedule.delay", "10"))) {
      for (int i = 0; i < 5; i++) {
        var response =
            gateway.postJson(
                "/v1/chat/completions",
                CHAT,
                "x-portkey-provider",
                "openai",
                "authorization",
                "Bearer " + PROVIDER_KEY);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("choices").size()).isEqualTo(1);
      }
      assertThat(gateway.server.observability().tracing()).isNotNull();
    }
  }

  @Test
  void theSdksComplaintsAreLoggedInTheGatewaysOwnFormat() throws Exception {
    String deadEndpoint;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadEndpoint = "http://127.0.0.1:" + socket.getLocalPort();
    }
    try (GatewayProcess gateway =
        GatewayProcess.start(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", deadEndpoint,
                "OTEL_BSP_SCHEDULE_DELAY", "50",
                "OTEL_JAVA_EXPORTER_OTLP_RETRY_DISABLED", "true"),
            "--logs.enabled",
            "false",
            "--providers.openai.base-url",
            openAi.baseUrl())) {
      java.net.http.HttpClient.newHttpClient()
          .send(
              java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                  .header("content-type", "application/json")
                  .header("x-portkey-provider", "openai")
                  .header("authorization", "Bearer " + PROVIDER_KEY)
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(CHAT))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (!gateway.output().contains("Failed to export") && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }

      String output = gateway.output();
      assertThat(output)
          .containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (ERROR|WARN ) \\w+ - Failed to export")
          .doesNotContain("SEVERE:")
          .doesNotContain(PROVIDER_KEY);
    }
  }

  @Test
  void startsNoSdkWhenTracingIsOffWhateverTheEnvironmentSays() {
    try (GatewayUnderTest gateway =
        gatewayWith(TracingMode.OFF, Map.of("otel.exporter.otlp.endpoint", endpoint()))) {
      assertThat(gateway.server.observability().tracing()).isNull();
      gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "openai");
    }
    assertThat(exports).isEmpty();
  }

  @Test
  void startsNoSdkWhenOpenTelemetrysEnvironmentSaysNothing() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv().keySet().stream().noneMatch(name -> name.startsWith("OTEL_")),
        "this process's environment configures OpenTelemetry");
    try (GatewayUnderTest gateway = gatewayWith(TracingMode.AUTO, Map.of())) {
      assertThat(gateway.server.observability().tracing()).isNull();
    }
  }

  static Span single(List<Span> spans, Span.SpanKind kind) {
    List<Span> of = spans.stream().filter(s -> s.getKind() == kind).toList();
    assertThat(of).hasSize(1);
    return of.getFirst();
  }

  static String hex(com.google.protobuf.ByteString bytes) {
    return OtlpReceiver.hex(bytes);
  }

  /** Attributes as text, whatever their OTLP value type. */
  static Map<String, String> attributes(List<KeyValue> attributes) {
    return attributes.stream()
        .collect(
            Collectors.toMap(
                KeyValue::getKey,
                kv ->
                    switch (kv.getValue().getValueCase()) {
                      case STRING_VALUE -> kv.getValue().getStringValue();
                      case INT_VALUE -> Long.toString(kv.getValue().getIntValue());
                      case BOOL_VALUE -> Boolean.toString(kv.getValue().getBoolValue());
                      case DOUBLE_VALUE -> Double.toString(kv.getValue().getDoubleValue());
                      default -> kv.getValue().toString();
                    }));
  }
}
