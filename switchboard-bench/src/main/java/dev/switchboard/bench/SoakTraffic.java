package dev.switchboard.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak run's clients: C workers on virtual threads, closed-loop through one HTTP/1.1 client,
 * each sending its next chat completion as soon as its last one ended, for a set time. Each call
 * is, by a seeded draw, a stream the client leaves after one to five events ({@code cancelShare}),
 * or else a JSON answer or a stream read to its end, half and half. Every answer is checked: a JSON
 * body with {@code choices}, a stream ending with {@code [DONE]}, a left stream that gave its
 * events first; anything else is an error, kept with its message.
 */
final class SoakTraffic {
  /** The errors whose messages are kept; the others are counted only. */
  private static final int ERRORS_KEPT = 20;

  private final ChatCall json;
  private final ChatCall stream;
  private final double cancelShare;
  private final AtomicLong jsonCalls = new AtomicLong();
  private final AtomicLong streams = new AtomicLong();
  private final AtomicLong cancelled = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final ConcurrentLinkedQueue<String> errorMessages = new ConcurrentLinkedQueue<>();

  /**
   * @param target the gateway, with the headers every call sends (provider, gateway key)
   */
  SoakTraffic(Target target, double cancelShare) {
    this.json = new ChatCall(target, ResponseFormat.JSON);
    this.stream = new ChatCall(target, ResponseFormat.SSE);
    this.cancelShare = cancelShare;
  }

  /** What the clients did, so far or in all. */
  record Tally(
      long jsonCalls, long streams, long cancelled, long errors, List<String> firstErrors) {
    long calls() {
      return jsonCalls + streams + cancelled + errors;
    }

    Map<String, Long> asMap() {
      return Map.of(
          "json", jsonCalls, "streams", streams, "cancelled", cancelled, "errors", errors);
    }
  }

  /**
   * Runs {@code connections} workers until {@code length} has passed; a call under way then is
   * finished (a slow one takes its time), so this returns up to a call's length later.
   */
  void run(int connections, Duration length, long seed) throws InterruptedException {
    long until = System.nanoTime() + length.toNanos();
    SplittableRandom seeds = new SplittableRandom(seed);
    try (ExecutorService clientThreads = Executors.newVirtualThreadPerTaskExecutor();
        HttpClient client =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(clientThreads)
                .build();
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < connections; i++) {
        SplittableRandom draws = seeds.split();
        workers.submit(() -> work(client, draws, until));
      }
    }
  }

  Tally tally() {
    return new Tally(
        jsonCalls.get(), streams.get(), cancelled.get(), errors.get(), List.copyOf(errorMessages));
  }

  private Void work(HttpClient client, SplittableRandom draws, long until)
      throws InterruptedException {
    while (System.nanoTime() - until < 0) {
      double draw = draws.nextDouble();
      try {
        if (draw < cancelShare) {
          stream.sendAndLeave(client, 1 + draws.nextInt(5));
          cancelled.incrementAndGet();
        } else if (draws.nextBoolean()) {
          json.send(client);
          jsonCalls.incrementAndGet();
        } else {
          stream.send(client);
          streams.incrementAndGet();
        }
      } catch (IOException failure) {
        if (errors.incrementAndGet() <= ERRORS_KEPT) {
          errorMessages.add(failure.toString());
        }
      }
    }
    return null;
  }
}
