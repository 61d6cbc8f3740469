package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.cache.CacheSettings;
import dev.switchboard.wire.ChatRequest;
import java.net.Socket;
import java.net.URI;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * What the response cache adds to one request, in process (no HTTP): the engine with the offline
 * {@code mock} provider, one thread, per call. Scenarios: no cache; a miss (every body new, so the
 * key is computed, the lookup fails, the answer is stored); a hit (one body again and again). With
 * Redis on 127.0.0.1:6379 the same for the Redis backend. Not a test: it prints a Markdown table.
 *
 * <pre>java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.CacheLatency
 * [warm-up calls] [measured calls]</pre>
 */
public final class CacheLatency {
  private static final String NO_CACHE = "{\"provider\":\"mock\"}";
  private static final String CACHE = "{\"provider\":\"mock\",\"cache\":{\"mode\":\"simple\"}}";
  private static final String SEMANTIC =
      "{\"provider\":\"mock\",\"cache\":{\"mode\":\"semantic\"}}";

  private CacheLatency() {}

  public static void main(String[] args) {
    int warmup = LatencyHarness.count(args, 0, 50_000);
    int measured = LatencyHarness.count(args, 1, 50_000);
    LatencyHarness.printSetup(warmup, measured);
    System.out.println("| backend | scenario | " + LatencyHarness.MICROSECONDS_HEADER + " |");
    System.out.println("| --- | --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");
    run("embedded", CacheSettings.defaults(), warmup, measured);
    semantic(warmup / 20, measured / 20);
    if (redisAnswers()) {
      String prefix = "switchboard-bench:" + UUID.randomUUID() + ":";
      CacheSettings redis =
          CacheSettings.builder()
              .redis(URI.create("redis://127.0.0.1:6379"))
              .redisKeyPrefix(prefix)
              .defaultMaxAge(java.time.Duration.ofMinutes(5))
              .build();
      run("redis", redis, warmup / 5, measured / 5);
      System.out.println();
      System.out.println("Redis keys were written under " + prefix + " with a 5 minute TTL.");
    } else {
      System.out.println("\n(no Redis on 127.0.0.1:6379: Redis scenarios skipped)");
    }
  }

  private static void run(String backend, CacheSettings cache, int warmup, int measured) {
    GatewaySettings settings = GatewaySettings.builder().cache(cache).build();
    try (Gateway gateway = Gateway.builder().settings(settings).build()) {
      String run = UUID.randomUUID().toString();
      RequestOptions off = RequestOptions.builder().provider("mock").config(NO_CACHE).build();
      RequestOptions on = RequestOptions.builder().provider("mock").config(CACHE).build();
      report(
          backend,
          "no cache, same body",
          time(gateway, off, i -> ask("same " + run), warmup, measured));
      report(
          backend,
          "no cache, new body",
          time(gateway, off, i -> ask(run + " " + i), warmup, measured));
      report(
          backend,
          "miss (new body, stored)",
          time(gateway, on, i -> ask(run + " miss " + i), warmup, measured));
      report(
          backend, "hit (same body)", time(gateway, on, i -> ask("hit " + run), warmup, measured));
    }
  }

  /**
   * The semantic mode: a miss embeds the last user turn (all-MiniLM-L6-v2, quantized, on ONNX
   * Runtime), searches the scope's vectors (up to 1024: every request here is in one scope) and
   * stores; a hit is a paraphrase of a stored turn, served after the embedding and the search.
   */
  private static void semantic(int warmup, int measured) {
    try (Gateway gateway = Gateway.builder().build()) {
      String run = UUID.randomUUID().toString();
      RequestOptions on = RequestOptions.builder().provider("mock").config(SEMANTIC).build();
      report(
          "embedded",
          "semantic miss (new turn: embed, search, store)",
          time(gateway, on, i -> ask(run + " question " + i), warmup, measured));
      // Stored after the misses, so that the scope's bound (1024 turns) has not dropped it.
      gateway.chat(ask("What is the capital of France?"), on);
      report(
          "embedded",
          "semantic hit (a paraphrase: embed, search)",
          time(gateway, on, i -> paraphrase(), warmup, measured));
    }
  }

  private static ChatRequest paraphrase() {
    return LatencyHarness.userTurn("Which city is the capital of France?");
  }

  private static Latencies time(
      Gateway gateway,
      RequestOptions options,
      IntFunction<ChatRequest> request,
      int warmup,
      int measured) {
    return LatencyHarness.measure(warmup, measured, request, next -> gateway.chat(next, options));
  }

  private static void report(String backend, String scenario, Latencies latencies) {
    System.out.println(
        "| " + backend + " | " + scenario + " | " + LatencyHarness.microseconds(latencies) + " |");
  }

  private static ChatRequest ask(String text) {
    return LatencyHarness.userTurn(
        text.startsWith("What is") ? text : "A question of some ordinary length about " + text);
  }

  private static boolean redisAnswers() {
    try (Socket socket = new Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", 6379), 200);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
