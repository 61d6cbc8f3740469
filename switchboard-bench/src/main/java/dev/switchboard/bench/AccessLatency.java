package dev.switchboard.bench;

import dev.switchboard.access.Access;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.Budget;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Period;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.wire.ChatRequest;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * What the access layer adds to one request, in process (no HTTP): the engine with the offline
 * {@code mock} provider, one thread, per call. Scenarios: no access layer; the layer on with no key
 * sent (anonymous); a gateway key with no limits; a key and its workspace held to a requests- and
 * tokens-per-minute limit and a cost budget (each far from reached), on the embedded H2 store with
 * in-process rate counters; the same on PostgreSQL with the rate counters in Redis (the shared
 * set-up of several gateways), and on PostgreSQL alone. Not a test: it prints a Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.AccessLatency
 * [warm-up calls] [measured calls] [PostgreSQL JDBC URL] [Redis URL]</pre>
 *
 * The PostgreSQL scenarios run when its URL is given; the Redis one when both are.
 */
public final class AccessLatency {
  private AccessLatency() {}

  public static void main(String[] args) {
    int warmup = LatencyHarness.count(args, 0, 5_000);
    int measured = LatencyHarness.count(args, 1, 5_000);
    String postgres = args.length > 2 ? args[2] : null;
    String redis = args.length > 3 ? args[3] : null;
    LatencyHarness.printSetup(warmup, measured);
    // Two rounds, the first unreported: the JIT keeps compiling through the first scenarios.
    for (int round = 0; round < 2; round++) {
      boolean shown = round == 1;
      if (shown) {
        System.out.println("| access | " + LatencyHarness.MICROSECONDS_HEADER + " |");
        System.out.println("| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");
      }
      report(shown, "off", time(null, null, warmup, measured));
      AccessSettings embedded = AccessSettings.inMemory();
      report(shown, "on, no key (anonymous)", time(embedded, Limits.NONE, null, warmup, measured));
      report(shown, "key, no limits (H2)", time(embedded, Limits.NONE, warmup, measured));
      report(
          shown,
          "key and workspace limited (H2, in process)",
          time(embedded, far(), warmup, measured));
      if (postgres != null) {
        report(
            shown,
            "key and workspace limited (PostgreSQL, in process)",
            time(shared(postgres, null), far(), warmup, measured));
      }
      if (postgres != null && redis != null) {
        report(
            shown,
            "key and workspace limited (PostgreSQL, Redis)",
            time(shared(postgres, redis), far(), warmup, measured));
      }
    }
  }

  /** The access layer on a shared PostgreSQL store, with rate counters in Redis when given. */
  private static AccessSettings shared(String postgres, String redis) {
    return new AccessSettings(
        true, postgres, null, false, null, null, List.of(), null, redis, null, null);
  }

  /** Limits the benchmark never reaches: they are checked and charged on every call. */
  private static Limits far() {
    return new Limits(
        1_000_000_000L,
        1_000_000_000_000L,
        new Budget(new BigDecimal("1000000"), null, Period.MONTH, List.of()));
  }

  private static Latencies time(AccessSettings settings, Limits limits, int warmup, int measured) {
    return time(settings, limits, "key", warmup, measured);
  }

  /**
   * @param settings the access layer's, or {@code null} for none
   * @param keyed {@code null} to send no key
   */
  private static Latencies time(
      AccessSettings settings, Limits limits, String keyed, int warmup, int measured) {
    ChatRequest request = LatencyHarness.userTurn("Say hello to the access layer.");
    Gateway.Builder builder = Gateway.builder();
    if (settings == null) {
      try (Gateway gateway = builder.build()) {
        RequestOptions options = RequestOptions.builder().provider("mock").build();
        return LatencyHarness.measure(warmup, measured, i -> gateway.chat(request, options));
      }
    }
    try (Access access = Access.start(settings, Clock.systemUTC())) {
      access.install(builder, PriceTable.shipped());
      String workspace = "bench-" + UUID.randomUUID();
      access.admin().createWorkspace(Principal.ADMIN, workspace, workspace, limits);
      String key =
          access
              .admin()
              .createKey(
                  Principal.ADMIN,
                  new AccessAdmin.KeyRequest(workspace, "bench", KeyScopes.ALL, limits, null))
              .secret();
      RequestOptions.Builder options = RequestOptions.builder().provider("mock");
      if (keyed != null) {
        options.gatewayKey(key);
      }
      RequestOptions built = options.build();
      try (Gateway gateway = builder.build()) {
        return LatencyHarness.measure(warmup, measured, i -> gateway.chat(request, built));
      }
    }
  }

  private static void report(boolean shown, String scenario, Latencies latencies) {
    if (shown) {
      System.out.println("| " + scenario + " | " + LatencyHarness.microseconds(latencies) + " |");
    }
  }
}
