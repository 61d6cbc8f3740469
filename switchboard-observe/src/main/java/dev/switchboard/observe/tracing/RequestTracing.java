package dev.switchboard.observe.tracing;

import static dev.switchboard.observe.GenAiConventions.ERROR_TYPE;
import static dev.switchboard.observe.GenAiConventions.INPUT_TOKENS;
import static dev.switchboard.observe.GenAiConventions.OPERATION_NAME;
import static dev.switchboard.observe.GenAiConventions.OUTPUT_TOKENS;
import static dev.switchboard.observe.GenAiConventions.PROVIDER_NAME;
import static dev.switchboard.observe.GenAiConventions.REQUEST_MODEL;
import static dev.switchboard.observe.GenAiConventions.RESPONSE_MODEL;

import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;
import dev.switchboard.observe.GenAiConventions;
import dev.switchboard.observe.McpConventions;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry traces of the gateway's requests, made from each request's record once it is over:
 * a {@code SERVER} span for the request and a {@code CLIENT} span under it for each upstream
 * attempt, timed from the record (so no span is open while a request runs, and the request path
 * does nothing for tracing but hand the record over). Names and attributes follow OpenTelemetry's
 * semantic conventions for generative AI (https://opentelemetry.io/docs/specs/semconv/gen-ai/) and
 * HTTP; what only the gateway knows is under {@code switchboard.*}. A request that came with a W3C
 * {@code traceparent} continues its client's trace.
 *
 * <p>Spans are exported by the SDK given (a batch processor in production, see {@link TracingSdk});
 * {@link #close()} shuts the SDK down, which exports what is still buffered.
 */
public final class RequestTracing implements RecordSink, AutoCloseable {
  static final String INSTRUMENTATION_SCOPE = "dev.switchboard.gateway";

  private static final AttributeKey<String> OPERATION = AttributeKey.stringKey(OPERATION_NAME);
  private static final AttributeKey<String> PROVIDER = AttributeKey.stringKey(PROVIDER_NAME);
  private static final AttributeKey<String> ASKED_MODEL = AttributeKey.stringKey(REQUEST_MODEL);
  private static final AttributeKey<String> ANSWER_MODEL = AttributeKey.stringKey(RESPONSE_MODEL);
  private static final AttributeKey<Long> INPUT = AttributeKey.longKey(INPUT_TOKENS);
  private static final AttributeKey<Long> OUTPUT = AttributeKey.longKey(OUTPUT_TOKENS);
  private static final AttributeKey<String> ERROR = AttributeKey.stringKey(ERROR_TYPE);
  private static final AttributeKey<Long> STATUS =
      AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> REQUEST_ID =
      AttributeKey.stringKey("switchboard.request_id");
  private static final AttributeKey<String> PORTKEY_TRACE_ID =
      AttributeKey.stringKey("portkey.trace_id");
  private static final AttributeKey<Long> RETRY_COUNT =
      AttributeKey.longKey("switchboard.retry_count");
  private static final AttributeKey<Boolean> FALLBACK_USED =
      AttributeKey.booleanKey("switchboard.fallback_used");
  private static final AttributeKey<String> CACHE_STATUS =
      AttributeKey.stringKey("switchboard.cache_status");
  private static final AttributeKey<String> OPTION_PATH =
      AttributeKey.stringKey("switchboard.option_path");
  private static final AttributeKey<Double> COST = AttributeKey.doubleKey("switchboard.cost_usd");
  private static final AttributeKey<String> STREAM_END =
      AttributeKey.stringKey("switchboard.stream_end");
  private static final AttributeKey<Long> RETRY = AttributeKey.longKey("switchboard.retry");
  private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("switchboard.attempt");
  private static final AttributeKey<Double> WAIT_AFTER =
      AttributeKey.doubleKey("switchboard.wait_after_ms");

  private static final AttributeKey<String> MCP_METHOD =
      AttributeKey.stringKey(McpConventions.METHOD_NAME);
  private static final AttributeKey<String> TOOL_NAME =
      AttributeKey.stringKey(McpConventions.TOOL_NAME);
  private static final AttributeKey<String> SESSION_ID =
      AttributeKey.stringKey(McpConventions.SESSION_ID);
  private static final AttributeKey<String> RESPONSE_STATUS_CODE =
      AttributeKey.stringKey(McpConventions.RESPONSE_STATUS_CODE);
  private static final AttributeKey<String> PROMPT_NAME =
      AttributeKey.stringKey(McpConventions.PROMPT_NAME);
  private static final AttributeKey<String> RESOURCE_URI =
      AttributeKey.stringKey(McpConventions.RESOURCE_URI);
  private static final AttributeKey<String> NETWORK_TRANSPORT =
      AttributeKey.stringKey("network.transport");
  private static final AttributeKey<String> NETWORK_PROTOCOL =
      AttributeKey.stringKey("network.protocol.name");
  private static final AttributeKey<String> MCP_SERVER =
      AttributeKey.stringKey("switchboard.mcp.server");
  private static final AttributeKey<String> GUARDRAILS =
      AttributeKey.stringKey("switchboard.guardrails");

  /** Reads the one header a record keeps, {@code traceparent}, for the W3C propagator. */
  private static final TextMapGetter<String> TRACEPARENT =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String traceparent) {
          return List.of("traceparent");
        }

        @Override
        public String get(String traceparent, String key) {
          return "traceparent".equals(key) ? traceparent : null;
        }
      };

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;

  /** Traces into {@code sdk}, which this tracing owns from now on: {@link #close()} shuts it. */
  public RequestTracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
    this.tracer = sdk.getTracer(INSTRUMENTATION_SCOPE);
  }

  @Override
  public void accept(RequestRecord record) {
    if (ToolCallFacts.isMcp(record)) {
      mcpSpan(record);
      return;
    }
    String operation = GenAiConventions.operationName(record.path());
    Instant started = record.startedAt();
    Instant ended = started.plusNanos((long) (record.latencyMs() * 1_000_000));
    SpanBuilder request =
        tracer
            .spanBuilder(spanName(operation, record.requestModel()))
            .setSpanKind(SpanKind.SERVER)
            .setParent(parent(record.traceparent()))
            .setStartTimestamp(started)
            .setAttribute(OPERATION, operation)
            .setAttribute(METHOD, record.method())
            .setAttribute(PATH, withoutQuery(record.path()))
            .setAttribute(STATUS, (long) record.status())
            .setAttribute(REQUEST_ID, record.id())
            .setAttribute(RETRY_COUNT, (long) record.retries())
            .setAttribute(FALLBACK_USED, record.fallbackUsed());
    setIfPresent(request, PROVIDER, GenAiConventions.providerName(record.provider()));
    setIfPresent(request, ASKED_MODEL, record.requestModel());
    setIfPresent(request, ANSWER_MODEL, record.model());
    setIfPresent(request, ERROR, record.errorType());
    setIfPresent(request, PORTKEY_TRACE_ID, record.traceId());
    setIfPresent(request, CACHE_STATUS, record.cacheStatus());
    setIfPresent(request, OPTION_PATH, record.optionPath());
    if (record.promptTokens() != null) {
      request.setAttribute(INPUT, (long) record.promptTokens());
    }
    if (record.completionTokens() != null) {
      request.setAttribute(OUTPUT, (long) record.completionTokens());
    }
    if (record.costUsd() != null) {
      request.setAttribute(COST, record.costUsd().doubleValue());
    }
    if (record.streamEnd() != null) {
      request.setAttribute(STREAM_END, record.streamEnd().name().toLowerCase(Locale.ROOT));
    }
    Span span = request.startSpan();
    if (record.errorType() != null) {
      span.setStatus(StatusCode.ERROR, record.errorType());
    }
    Context inRequest = Context.root().with(span);
    for (AttemptRecord attempt : record.attempts()) {
      attemptSpan(inRequest, operation, attempt);
    }
    span.end(ended);
  }

  /**
   * An MCP request's {@code SERVER} span, as the MCP conventions name it ({@code tools/call
   * <tool>}, {@code prompts/get <prompt>}, {@code resources/read}, {@code tools/list}, …), with
   * {@code mcp.method.name}; {@code gen_ai.tool.name} (as the client called it, {@code
   * <server>__<tool>}) and {@code gen_ai.operation.name} {@code execute_tool} for a tool call,
   * {@code gen_ai.prompt.name} for a prompt, {@code mcp.resource.uri} for a resource; {@code
   * mcp.session.id}, {@code error.type} and, for a JSON-RPC error, {@code
   * rpc.response.status_code}; the network attributes of Streamable HTTP; the gateway's own under
   * {@code switchboard.*}. Never the arguments or the result (the conventions make them opt-in; the
   * gateway does not opt in).
   */
  private void mcpSpan(RequestRecord record) {
    Instant started = record.startedAt();
    String errorType = McpConventions.errorType(record);
    String method = ToolCallFacts.method(record);
    SpanBuilder builder =
        tracer
            .spanBuilder(McpConventions.spanName(record))
            .setSpanKind(SpanKind.SERVER)
            .setParent(parent(record.traceparent()))
            .setStartTimestamp(started)
            .setAttribute(MCP_METHOD, method)
            .setAttribute(NETWORK_TRANSPORT, "tcp")
            .setAttribute(NETWORK_PROTOCOL, "http")
            .setAttribute(PATH, withoutQuery(record.path()))
            .setAttribute(REQUEST_ID, record.id());
    setIfPresent(builder, MCP_SERVER, record.provider());
    switch (method) {
      case McpConventions.TOOLS_CALL ->
          builder
              .setAttribute(TOOL_NAME, record.requestModel())
              .setAttribute(OPERATION, McpConventions.EXECUTE_TOOL);
      case ToolCallFacts.PROMPTS_GET -> setIfPresent(builder, PROMPT_NAME, record.requestModel());
      case ToolCallFacts.RESOURCES_READ ->
          setIfPresent(builder, RESOURCE_URI, record.metadata().get(ToolCallFacts.RESOURCE));
      default -> {}
    }
    String session = record.metadata().get(ToolCallFacts.SESSION_ID);
    setIfPresent(builder, SESSION_ID, session);
    setIfPresent(builder, RESPONSE_STATUS_CODE, record.metadata().get(ToolCallFacts.ERROR_CODE));
    setIfPresent(builder, GUARDRAILS, record.guardrails());
    if (!errorType.isEmpty()) {
      builder.setAttribute(ERROR, errorType);
    }
    Span span = builder.startSpan();
    if (!errorType.isEmpty()) {
      span.setStatus(StatusCode.ERROR, errorType);
    }
    span.end(started.plusNanos((long) (record.latencyMs() * 1_000_000)));
  }

  private void attemptSpan(Context inRequest, String operation, AttemptRecord attempt) {
    Instant started = attempt.startedAt();
    SpanBuilder builder =
        tracer
            .spanBuilder(spanName(operation, attempt.model()))
            .setSpanKind(SpanKind.CLIENT)
            .setParent(inRequest)
            .setStartTimestamp(started)
            .setAttribute(OPERATION, operation)
            .setAttribute(STATUS, (long) attempt.status())
            .setAttribute(ATTEMPT, (long) attempt.index())
            .setAttribute(RETRY, (long) attempt.retry())
            .setAttribute(WAIT_AFTER, attempt.waitAfterMs());
    setIfPresent(builder, PROVIDER, GenAiConventions.providerName(attempt.provider()));
    setIfPresent(builder, ASKED_MODEL, attempt.model());
    setIfPresent(builder, ERROR, attempt.errorType());
    setIfPresent(builder, OPTION_PATH, attempt.optionPath());
    setIfPresent(builder, CACHE_STATUS, attempt.cacheStatus());
    Span span = builder.startSpan();
    if (!attempt.succeeded()) {
      span.setStatus(StatusCode.ERROR, attempt.errorType());
    }
    span.end(started.plusNanos((long) (attempt.durationMs() * 1_000_000)));
  }

  /** The conventions' span name, {@code {gen_ai.operation.name} {gen_ai.request.model}}. */
  private static String spanName(String operation, String model) {
    return model == null || model.isEmpty() ? operation : operation + " " + model;
  }

  /** The client's span from its {@code traceparent}; the root (a new trace) without a valid one. */
  private static Context parent(String traceparent) {
    if (traceparent == null) {
      return Context.root();
    }
    return W3CTraceContextPropagator.getInstance()
        .extract(Context.root(), traceparent, TRACEPARENT);
  }

  private static String withoutQuery(String path) {
    if (path == null) {
      return "";
    }
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static void setIfPresent(SpanBuilder span, AttributeKey<String> key, String value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
  }

  /** Shuts the SDK down, exporting the spans it still holds (waiting at most 10 seconds). */
  @Override
  public void close() {
    CompletableResultCode done = sdk.shutdown();
    done.join(10, TimeUnit.SECONDS);
  }
}
