package dev.switchboard.bench;

import dev.switchboard.engine.observe.RequestIds;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.observe.metrics.GatewayMetrics;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The small per-request costs issue 18's profiles named (docs/benchmarks.md, "hot-path trims"),
 * each on its own, as the gateway meets them under {@code bench/load.sh}: reading a chat request
 * into the wire model, pricing the load benchmark's answer (a dated OpenAI snapshot, {@code
 * gpt-4o-mini-2024-07-18}), making a request id, and counting a request's record in the metrics.
 *
 * <p>Average time per call; run with {@code -prof gc} for the bytes allocated per call, the
 * steadier figure on a shared machine: {@code java -cp
 * switchboard-bench/target/switchboard-bench.jar org.openjdk.jmh.Main HotPathBenchmark -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {
  /** A request with a system message and a user message of two content parts. */
  private static final byte[] REQUEST =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a concise assistant."},\
      {"role":"user","content":[{"type":"text","text":"What is in this picture?"},\
      {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]},\
      {"role":"assistant","content":"A cat."},\
      {"role":"user","content":"Summarise the meeting notes in three bullet points, please."}],\
      "tool_choice":"auto","temperature":0.2}\
      """
          .getBytes(StandardCharsets.UTF_8);

  private final PriceTable prices = PriceTable.shipped();
  private final Usage usage = new Usage(12, 9, 21, null, null, Map.of());
  private final RequestIds requestIds = new RequestIds(Clock.systemUTC());
  private GatewayMetrics metrics;
  private RequestRecord record;

  @Setup
  public void prepare() {
    metrics = new GatewayMetrics();
    record = LogWriterCost.record(0);
  }

  /** The request's JSON into the wire model's records, strictly, as the server reads it. */
  @Benchmark
  public ChatRequest readRequest() {
    return WireJson.readStrictly(REQUEST, ChatRequest.class);
  }

  /** The load benchmark's answer priced, as {@code PricingStage} prices a whole answer. */
  @Benchmark
  public BigDecimal price() {
    return prices.cost("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", usage);
  }

  /** A request id (UUIDv7). */
  @Benchmark
  public String requestId() {
    return requestIds.next();
  }

  /** A chat request's record counted in the Prometheus metrics. */
  @Benchmark
  public RequestRecord countInMetrics() {
    metrics.accept(record);
    return record;
  }
}
