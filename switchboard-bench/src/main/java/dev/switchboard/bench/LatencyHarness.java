package dev.switchboard.bench;

import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * What the one-thread latency harnesses ({@link CacheLatency}, {@link GuardrailLatency}, {@link
 * LoggingLatency}, {@link TelemetryLatency}, {@link ClientOverhead}, {@link AgentModelLatency},
 * {@link AnalyticsLatency}, {@link AccessLatency}) share: the warm-up-then-measure loop, the counts
 * from the command line, and the median, p90 and p99 as Markdown table cells.
 */
final class LatencyHarness {
  /** The header cells {@link #microseconds} fills, with their alignment row. */
  static final String MICROSECONDS_HEADER = "median µs | p90 µs | p99 µs";

  static final String MICROSECONDS_ALIGNMENT = "---: | ---: | ---:";

  private LatencyHarness() {}

  /**
   * One call to time.
   *
   * @param <X> what the call may throw: nothing checked for most, so their callers need not say so
   */
  @FunctionalInterface
  interface Call<X extends Exception> {
    /**
     * @param index the call's number, from 0, counting the warm-up calls first
     */
    void run(int index) throws X;
  }

  /** One call to time, of an input made before the clock starts. */
  @FunctionalInterface
  interface CallOf<T, X extends Exception> {
    void run(T input) throws X;
  }

  /** {@code call} run {@code warmup} times unmeasured, then {@code measured} times, each timed. */
  static <X extends Exception> Latencies measure(int warmup, int measured, Call<X> call) throws X {
    for (int i = 0; i < warmup; i++) {
      call.run(i);
    }
    long[] nanos = new long[measured];
    for (int i = 0; i < measured; i++) {
      long start = System.nanoTime();
      call.run(warmup + i);
      nanos[i] = System.nanoTime() - start;
    }
    return Latencies.of(nanos);
  }

  /**
   * As {@link #measure(int, int, Call)}, but each call's input is made by {@code inputs} (given the
   * call's number) outside the timed part, so that making it is not measured.
   */
  static <T, X extends Exception> Latencies measure(
      int warmup, int measured, IntFunction<? extends T> inputs, CallOf<T, X> call) throws X {
    for (int i = 0; i < warmup; i++) {
      call.run(inputs.apply(i));
    }
    long[] nanos = new long[measured];
    for (int i = 0; i < measured; i++) {
      T input = inputs.apply(warmup + i);
      long start = System.nanoTime();
      call.run(input);
      nanos[i] = System.nanoTime() - start;
    }
    return Latencies.of(nanos);
  }

  /** The count at {@code position} on the command line, or {@code otherwise} when not given. */
  static int count(String[] args, int position, int otherwise) {
    return args.length > position ? Integer.parseInt(args[position]) : otherwise;
  }

  /** The line above a harness's table: what was run, and on which JVM. */
  static void printSetup(int warmup, int measured) {
    System.out.printf(
        "%d warm-up and %d measured calls per scenario, one thread, %s %s%n%n",
        warmup, measured, System.getProperty("java.vm.name"), System.getProperty("java.version"));
  }

  /** The median, p90 and p99 in microseconds, as the cells under {@link #MICROSECONDS_HEADER}. */
  static String microseconds(Latencies latencies) {
    return String.format(
        Locale.ROOT,
        "%.1f | %.1f | %.1f",
        latencies.percentile(50) / 1000.0,
        latencies.percentile(90) / 1000.0,
        latencies.percentile(99) / 1000.0);
  }

  /** A chat request to the {@code mock} provider of one user turn, {@code text}. */
  static ChatRequest userTurn(String text) {
    return new ChatRequest(
        "mock-chat",
        List.of(new ChatMessage.User(text)),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
