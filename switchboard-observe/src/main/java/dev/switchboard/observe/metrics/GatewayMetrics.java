package dev.switchboard.observe.metrics;

import static dev.switchboard.observe.GenAiConventions.ERROR_TYPE;
import static dev.switchboard.observe.GenAiConventions.OPERATION_NAME;
import static dev.switchboard.observe.GenAiConventions.PROVIDER_NAME;
import static dev.switchboard.observe.GenAiConventions.REQUEST_MODEL;
import static dev.switchboard.observe.GenAiConventions.RESPONSE_MODEL;
import static dev.switchboard.observe.GenAiConventions.TOKEN_TYPE;

import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;
import dev.switchboard.engine.routing.CircuitBreakers;
import dev.switchboard.observe.GenAiConventions;
import dev.switchboard.observe.McpConventions;
import dev.switchboard.observe.store.RequestLog;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics, kept from each request's record: a few counter and histogram
 * updates per request, nothing stored per request. The generative-AI metrics follow OpenTelemetry's
 * semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-metrics/), with
 * their names and bucket boundaries, so dashboards made for them work; the gateway's own (retries,
 * fallbacks, cache, cost, attempts, circuits, request log) are named {@code switchboard_*}.
 *
 * <p>Every label takes its values from a closed set (statuses, error kinds, cache verdicts,
 * operations) or from a {@link LabelValues bounded} one (providers, models, upstreams): never a
 * trace id, a metadata value or anything a caller may vary without limit, and never a credential,
 * which a record does not hold.
 */
public final class GatewayMetrics implements RecordSink {
  /** The conventions' advice for {@code gen_ai.client.token.usage}. */
  static final double[] TOKEN_BUCKETS = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  };

  /** The conventions' advice for {@code gen_ai.client.operation.duration}, in seconds. */
  static final double[] DURATION_BUCKETS = {
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
  };

  /** The conventions' advice for {@code gen_ai.server.time_to_first_token}, in seconds. */
  static final double[] TIME_TO_FIRST_TOKEN_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0
  };

  /**
   * The conventions' advice for {@code mcp.server.operation.duration}, in seconds
   * (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/).
   */
  static final double[] MCP_DURATION_BUCKETS = {
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300
  };

  /**
   * How many kinds of request ({@link Kind}) keep their data points bound; a kind past it looks its
   * data points up each time, as every kind did before. Its labels are bounded already, but a kind
   * is keyed by the record's values before they are bounded (a model named anew in each request),
   * so this bounds the memory the bindings take.
   */
  private static final int MAX_KINDS = 1024;

  private static final String OPERATION = "operation";
  private static final String PROVIDER = "provider";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ExpositionFormats formats = ExpositionFormats.init();
  private final LabelValues models = new LabelValues();
  private final LabelValues providers = new LabelValues();
  private final LabelValues upstreams = new LabelValues();

  private final Histogram tokenUsage;
  private final Histogram operationDuration;
  private final Histogram timeToFirstToken;
  private final Counter requests;
  private final Counter retries;
  private final Counter fallbacks;
  private final Counter cacheHits;
  private final Counter cost;
  private final Counter savedCost;
  private final Counter attempts;
  private final Counter toolCalls;
  private final Histogram toolCallDuration;
  private final LabelValues tools = new LabelValues();
  private final Map<Kind, Series> bound = new ConcurrentHashMap<>();

  public GatewayMetrics() {
    tokenUsage =
        Histogram.builder()
            .name("gen_ai.client.token.usage")
            .help("Number of input and output tokens used, per request answered by a provider.")
            .labelNames(OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL, RESPONSE_MODEL, TOKEN_TYPE)
            .classicOnly()
            .classicUpperBounds(TOKEN_BUCKETS)
            .withoutExemplars()
            .register(registry);
    operationDuration =
        Histogram.builder()
            .name("gen_ai.client.operation.duration")
            .unit(Unit.SECONDS)
            .help("Duration of the request through the gateway, retries and fallbacks included.")
            .labelNames(OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL, RESPONSE_MODEL, ERROR_TYPE)
            .classicOnly()
            .classicUpperBounds(DURATION_BUCKETS)
            .withoutExemplars()
            .register(registry);
    timeToFirstToken =
        Histogram.builder()
            .name("gen_ai.server.time_to_first_token")
            .unit(Unit.SECONDS)
            .help("Time from the request to the first event of its streamed answer.")
            .labelNames(OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL)
            .classicOnly()
            .classicUpperBounds(TIME_TO_FIRST_TOKEN_BUCKETS)
            .withoutExemplars()
            .register(registry);
    requests =
        Counter.builder()
            .name("switchboard.requests")
            .help("Requests answered, by operation, provider, HTTP status and cache status.")
            .labelNames(OPERATION, PROVIDER, "status", "cache_status")
            .withoutExemplars()
            .register(registry);
    retries =
        Counter.builder()
            .name("switchboard.retries")
            .help("Retries: upstream attempts that were not a target's first try.")
            .labelNames(PROVIDER)
            .withoutExemplars()
            .register(registry);
    fallbacks =
        Counter.builder()
            .name("switchboard.fallbacks")
            .help("Requests answered (or failed) by another target than the first one tried.")
            .labelNames(PROVIDER)
            .withoutExemplars()
            .register(registry);
    cacheHits =
        Counter.builder()
            .name("switchboard.cache.hits")
            .help("Requests answered from the response cache, exact or semantic.")
            .labelNames(PROVIDER, "cache_status")
            .withoutExemplars()
            .register(registry);
    cost =
        Counter.builder()
            .name("switchboard.cost.usd")
            .help("What the answers cost at the providers, in US dollars.")
            .labelNames(PROVIDER, "model")
            .withoutExemplars()
            .register(registry);
    savedCost =
        Counter.builder()
            .name("switchboard.cache.saved_cost.usd")
            .help("What the answers from the cache would have cost, in US dollars.")
            .labelNames(PROVIDER)
            .withoutExemplars()
            .register(registry);
    attempts =
        Counter.builder()
            .name("switchboard.attempts")
            .help("Upstream attempts, by provider and outcome: success, or the kind of failure.")
            .labelNames(PROVIDER, "outcome")
            .withoutExemplars()
            .register(registry);
    toolCalls =
        Counter.builder()
            .name("switchboard.mcp.tool_calls")
            .help(
                "MCP tool calls through the gateway, by server, tool and outcome (ok, tool_error,"
                    + " guardrail_denied, rate_limited, unknown_tool, upstream_error, error).")
            .labelNames("server", "tool", "status")
            .withoutExemplars()
            .register(registry);
    toolCallDuration =
        Histogram.builder()
            .name("mcp.server.operation.duration")
            .unit(Unit.SECONDS)
            .help(
                "Duration of MCP requests through the gateway (tool calls, prompts, resources,"
                    + " listings), the upstream call included.")
            .labelNames(
                McpConventions.METHOD_NAME,
                OPERATION_NAME,
                McpConventions.TOOL_NAME,
                McpConventions.PROMPT_NAME,
                ERROR_TYPE,
                "server")
            .classicOnly()
            .classicUpperBounds(MCP_DURATION_BUCKETS)
            .withoutExemplars()
            .register(registry);
  }

  @Override
  public void accept(RequestRecord record) {
    if (ToolCallFacts.isMcp(record)) {
      mcpRequest(record);
      return;
    }
    boolean fromCache = isHit(record.cacheStatus());
    Series series = series(record);

    series.requests.get().inc();
    series.operationDuration.get().observe(record.latencyMs() / 1000);
    if (record.ttftMs() != null) {
      series.timeToFirstToken.get().observe(record.ttftMs() / 1000);
    }
    // Billable tokens only, as the conventions ask: an answer from the cache used none.
    if (!fromCache) {
      if (record.promptTokens() != null) {
        series.inputTokens.get().observe(record.promptTokens());
      }
      if (record.completionTokens() != null) {
        series.outputTokens.get().observe(record.completionTokens());
      }
    }
    if (record.retries() > 0) {
      series.retries.get().inc(record.retries());
    }
    if (record.fallbackUsed()) {
      series.fallbacks.get().inc();
    }
    if (fromCache) {
      series.cacheHits.get().inc();
    }
    if (record.costUsd() != null && record.costUsd().signum() > 0) {
      series.cost.get().inc(record.costUsd().doubleValue());
    }
    if (record.savedCostUsd() != null && record.savedCostUsd().signum() > 0) {
      series.savedCost.get().inc(record.savedCostUsd().doubleValue());
    }
    for (AttemptRecord attempt : record.attempts()) {
      if (attempt.succeeded() && Objects.equals(attempt.provider(), record.provider())) {
        series.succeededAttempts.get().inc();
      } else {
        attempts
            .labelValues(
                providers.bounded(attempt.provider()),
                attempt.succeeded() ? "success" : attempt.errorType())
            .inc();
      }
    }
  }

  /** The data points of the record's kind of request: bound once, or now past the bound. */
  private Series series(RequestRecord record) {
    Kind kind =
        new Kind(
            record.path(),
            record.provider(),
            record.requestModel(),
            record.model(),
            record.errorType(),
            record.cacheStatus(),
            record.status());
    Series series = bound.get(kind);
    if (series == null) {
      series = new Series(kind);
      if (bound.size() < MAX_KINDS) {
        Series raced = bound.putIfAbsent(kind, series);
        series = raced == null ? series : raced;
      }
    }
    return series;
  }

  /**
   * A kind of request as its record tells it, the labels of its data points before they are
   * bounded: records of one kind update the same data points ({@link Series}).
   */
  private record Kind(
      String path,
      String provider,
      String requestModel,
      String model,
      String errorType,
      String cacheStatus,
      int status) {}

  /**
   * The data points one {@link Kind} of request updates, each bound to its labels once, at its
   * first use. Prometheus's client finds a data point by its label values on every {@code
   * labelValues} call (a list of them hashed and compared; seven calls per request, 2.7 % of the
   * gateway's CPU under load: issue 18, docs/benchmarks.md); its documentation advises binding the
   * data point once (https://prometheus.github.io/client_java/getting-started/performance/). Bound
   * at first use, not ahead: a data point bound is a series the scrape shows, at zero, and a kind
   * of request that never retried shows no retries series, as before.
   *
   * <p>A kind's labels are bounded ({@link LabelValues}) when it is first seen; a value bounded
   * stays so, since a {@link LabelValues} never forgets one, and one reported as {@code other}
   * stays {@code other}, since it is full.
   */
  private final class Series {
    final Binding<CounterDataPoint> requests;
    final Binding<DistributionDataPoint> operationDuration;
    final Binding<DistributionDataPoint> timeToFirstToken;
    final Binding<DistributionDataPoint> inputTokens;
    final Binding<DistributionDataPoint> outputTokens;
    final Binding<CounterDataPoint> retries;
    final Binding<CounterDataPoint> fallbacks;
    final Binding<CounterDataPoint> cacheHits;
    final Binding<CounterDataPoint> cost;
    final Binding<CounterDataPoint> savedCost;
    final Binding<CounterDataPoint> succeededAttempts;

    Series(Kind kind) {
      String operation = GenAiConventions.operationName(kind.path());
      String provider = providers.bounded(kind.provider());
      String genAiProvider = providers.bounded(GenAiConventions.providerName(kind.provider()));
      String requestModel = models.bounded(kind.requestModel());
      String responseModel = models.bounded(kind.model());
      String error = kind.errorType() == null ? "" : kind.errorType();
      String cacheStatus = kind.cacheStatus() == null ? "" : kind.cacheStatus();
      String status = Integer.toString(kind.status());
      requests =
          new Binding<>(() ->
              GatewayMetrics.this.requests.labelValues(operation, provider, status, cacheStatus));
      operationDuration =
          new Binding<>(() ->
              GatewayMetrics.this.operationDuration.labelValues(
                  operation, genAiProvider, requestModel, responseModel, error));
      timeToFirstToken =
          new Binding<>(() ->
              GatewayMetrics.this.timeToFirstToken.labelValues(
                  operation, genAiProvider, requestModel));
      inputTokens =
          new Binding<>(() ->
              tokenUsage.labelValues(
                  operation, genAiProvider, requestModel, responseModel, "input"));
      outputTokens =
          new Binding<>(() ->
              tokenUsage.labelValues(
                  operation, genAiProvider, requestModel, responseModel, "output"));
      retries = new Binding<>(() -> GatewayMetrics.this.retries.labelValues(provider));
      fallbacks = new Binding<>(() -> GatewayMetrics.this.fallbacks.labelValues(provider));
      cacheHits =
          new Binding<>(() -> GatewayMetrics.this.cacheHits.labelValues(provider, cacheStatus));
      cost = new Binding<>(() -> GatewayMetrics.this.cost.labelValues(provider, responseModel));
      savedCost = new Binding<>(() -> GatewayMetrics.this.savedCost.labelValues(provider));
      succeededAttempts = new Binding<>(() -> attempts.labelValues(provider, "success"));
    }
  }

  /**
   * A data point bound at its first use. Two threads may bind it at once: {@code labelValues} gives
   * both the same data point.
   */
  private static final class Binding<P> {
    private final Supplier<P> bind;
    private volatile P point;

    Binding(Supplier<P> bind) {
      this.bind = bind;
    }

    P get() {
      P bound = point;
      if (bound == null) {
        bound = bind.get();
        point = bound;
      }
      return bound;
    }
  }

  /**
   * An MCP request: the conventions' {@code mcp.server.operation.duration} by method, whose {@code
   * error.type} is the JSON-RPC error code the client got, {@code tool_error} for a tool's own
   * {@code isError} result, or the kind of the gateway's refusal ({@code guardrail_denied}, {@code
   * rate_limited}); and for a tool call {@code switchboard.mcp.tool_calls} by server, tool and
   * outcome. A resource's URI is no label (unbounded).
   */
  private void mcpRequest(RequestRecord record) {
    Map<String, String> facts = record.metadata();
    String method = ToolCallFacts.method(record);
    String server = providers.bounded(facts.get(ToolCallFacts.SERVER));
    boolean toolCall = McpConventions.TOOLS_CALL.equals(method);
    if (toolCall) {
      String tool = tools.bounded(facts.get(ToolCallFacts.TOOL));
      toolCalls.labelValues(server, tool, facts.get(ToolCallFacts.OUTCOME)).inc();
    }
    boolean prompt = ToolCallFacts.PROMPTS_GET.equals(method);
    toolCallDuration
        .labelValues(
            method,
            McpConventions.operationName(method),
            toolCall ? tools.bounded(record.requestModel()) : "",
            prompt ? tools.bounded(record.requestModel()) : "",
            McpConventions.errorType(record),
            server)
        .observe(record.latencyMs() / 1000);
  }

  private static boolean isHit(String cacheStatus) {
    return cacheStatus != null && cacheStatus.toUpperCase(Locale.ROOT).endsWith("HIT");
  }

  /** Reports the request log's counters, read when scraped. */
  public void watch(RequestLog requestLog) {
    CounterWithCallback.builder()
        .name("switchboard.request_log.records")
        .help(
            "Request records by what became of them: accepted, written, dropped, recovered (left"
                + " in the spill by a previous run and written by this one).")
        .labelNames("state")
        .callback(callback -> {
          RequestLog.Statistics statistics = requestLog.statistics();
          callback.call(statistics.accepted(), "accepted");
          callback.call(statistics.written(), "written");
          callback.call(statistics.dropped(), "dropped");
          callback.call(statistics.recovered(), "recovered");
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("switchboard.request_log.spilled")
        .help("Request records waiting in the spill file for the store.")
        .callback(callback -> callback.call(requestLog.statistics().spilled()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("switchboard.request_log.queued")
        .help("Request records waiting to be written.")
        .callback(callback -> callback.call(requestLog.statistics().queued()))
        .register(registry);
    CounterWithCallback.builder()
        .name("switchboard.request_log.store_failures")
        .help("Batches of records the store refused (each is retried).")
        .callback(callback -> callback.call(requestLog.statistics().storeFailures()))
        .register(registry);
  }

  /**
   * Reports the state of each upstream's circuit breaker, read when scraped: one series per state,
   * 1 for the circuit's current one, as Prometheus's state sets do.
   */
  public void watchCircuits(Supplier<List<CircuitBreakers.Status>> circuits) {
    GaugeWithCallback.builder()
        .name("switchboard.circuit.state")
        .help("Each upstream's circuit breaker: 1 for its current state, 0 for the others.")
        .labelNames("upstream", "state")
        .callback(callback -> {
          for (CircuitBreakers.Status circuit : circuits.get()) {
            String upstream = upstreams.bounded(Upstreams.withoutCredentials(circuit.upstream()));
            for (CircuitBreakers.State state : CircuitBreakers.State.values()) {
              callback.call(
                  circuit.state() == state ? 1 : 0,
                  upstream,
                  state.name().toLowerCase(Locale.ROOT));
            }
          }
        })
        .register(registry);
    GaugeWithCallback.builder()
        .name("switchboard.circuit.consecutive_failures")
        .help("Failures in a row of each upstream, as its circuit breaker counts them.")
        .labelNames("upstream")
        .callback(callback -> {
          for (CircuitBreakers.Status circuit : circuits.get()) {
            callback.call(
                circuit.consecutiveFailures(),
                upstreams.bounded(Upstreams.withoutCredentials(circuit.upstream())));
          }
        })
        .register(registry);
  }

  /**
   * The metrics as the scraper asked for them by its {@code Accept} header: OpenMetrics when it
   * accepts {@code application/openmetrics-text}, else Prometheus's text format 0.0.4. Names are
   * written with underscores ({@code gen_ai_client_token_usage}) unless the scraper asks for UTF-8
   * names ({@code escaping=allow-utf-8}).
   */
  public Scrape scrape(String acceptHeader) {
    ExpositionFormatWriter writer =
        acceptHeader != null && acceptHeader.contains("application/openmetrics-text")
            ? formats.getOpenMetricsTextFormatWriter()
            : formats.getPrometheusTextFormatWriter();
    EscapingScheme escaping =
        EscapingScheme.fromAcceptHeader(acceptHeader, EscapingScheme.UNDERSCORE_ESCAPING);
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(body, registry.scrape(), escaping);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    String contentType = writer.getContentType();
    if (escaping != EscapingScheme.UNDERSCORE_ESCAPING) {
      contentType += "; " + escaping.toHeaderFormat();
    }
    return new Scrape(contentType, body.toByteArray());
  }

  /** One scrape's answer: its content type and body. */
  public record Scrape(String contentType, byte[] body) {}
}
