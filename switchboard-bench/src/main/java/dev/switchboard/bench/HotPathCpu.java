package dev.switchboard.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.Supplier;

/**
 * {@link HotPathBenchmark}'s calls timed by this thread's CPU time rather than the wall clock, so
 * that a loaded machine (other processes taking the cores) moves the figure less: for each call, a
 * warm-up of {@code n} calls, then the best of three rounds of {@code n}. Run: {@code java
 * -XX:+UseSerialGC -cp switchboard-bench/target/switchboard-bench.jar
 * dev.switchboard.bench.HotPathCpu}.
 */
public final class HotPathCpu {
  private static volatile Object sink;

  private HotPathCpu() {}

  private record Call(String name, Supplier<Object> call, int n) {}

  public static void main(String[] args) {
    HotPathBenchmark calls = new HotPathBenchmark();
    calls.prepare();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Call[] timed = {
      new Call("readRequest", calls::readRequest, 200_000),
      new Call("price", calls::price, 5_000_000),
      new Call("requestId", calls::requestId, 5_000_000),
      new Call("countInMetrics", calls::countInMetrics, 5_000_000)
    };
    for (Call call : timed) {
      run(call);
      double best = Double.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long start = threads.getCurrentThreadCpuTime();
        run(call);
        best = Math.min(best, (threads.getCurrentThreadCpuTime() - start) / (double) call.n());
      }
      System.out.printf("%-15s %9.1f ns CPU per call%n", call.name(), best);
    }
  }

  private static void run(Call call) {
    for (int i = 0; i < call.n(); i++) {
      sink = call.call().get();
    }
  }
}
