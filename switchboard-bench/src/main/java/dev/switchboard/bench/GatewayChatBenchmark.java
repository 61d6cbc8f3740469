package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one chat call costs the engine in process ({@code Gateway.chat}, no HTTP), with the offline
 * {@code mock} provider, whose own work is a few small objects: the pipeline's cost per call (the
 * stages, the router, the request's record), the figure issue 18 sets at 5 µs at the median. The
 * gateway is built with its defaults and no record sinks (no request log, metrics or traces: what
 * an embedding app gets from {@code Gateway.builder().build()}).
 *
 * <p>Sample time: each call timed on its own, so the report gives the median ({@code p0.50}) and
 * the tail. Run: {@code java -cp switchboard-bench/target/switchboard-bench.jar
 * org.openjdk.jmh.Main GatewayChatBenchmark} (JMH's flags after it: {@code -f}, {@code -wi}, {@code
 * -i}, {@code -prof gc}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class GatewayChatBenchmark {
  private static final String BODY =
      """
      {"model":"mock-chat","messages":[{"role":"system","content":"You are a concise assistant."},\
      {"role":"user","content":"Summarise the meeting notes in three bullet points, please."}]}\
      """;

  private Gateway gateway;
  private ChatRequest request;
  private RequestOptions options;

  @Setup
  public void startGateway() {
    gateway = Gateway.builder().build();
    request = WireJson.read(BODY, ChatRequest.class);
    options = RequestOptions.builder().provider("mock").build();
  }

  @TearDown
  public void closeGateway() {
    gateway.close();
  }

  /**
   * One whole chat call through the pipeline; the answer is returned so it is not optimised away.
   */
  @Benchmark
  public ChatCompletion chat() {
    return gateway.chat(request, options).body();
  }
}
