package dev.switchboard.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.cache.CacheStatistics;
import dev.switchboard.engine.routing.CircuitBreakers;
import dev.switchboard.observe.store.RequestLog;
import java.util.List;

/**
 * The health answer, {@code GET /v1/health}: Portkey 2.x's shape ({@code status}, {@code message},
 * {@code version}) plus the state of each upstream's circuit breaker, the response cache's
 * counters, the guardrails' tallies and the request log's counters.
 */
final class Health {
  private Health() {}

  static ObjectNode of(
      List<CircuitBreakers.Status> circuits,
      CacheStatistics.Snapshot cache,
      dev.switchboard.engine.guardrails.GuardrailStatistics.Snapshot guardrails,
      RequestLog.Statistics requestLog) {
    ObjectNode health =
        JsonNodeFactory.instance
            .objectNode()
            .put("status", "success")
            .put("message", "Server is healthy")
            .put("version", version());
    ArrayNode list = health.putArray("circuits");
    for (CircuitBreakers.Status circuit : circuits) {
      ObjectNode entry = list.addObject();
      entry.put("upstream", circuit.upstream());
      entry.put("state", circuit.state().name().toLowerCase(java.util.Locale.ROOT));
      entry.put("consecutive_failures", circuit.consecutiveFailures());
      entry.put("opened_at", circuit.openedAt() == null ? null : circuit.openedAt().toString());
    }
    ObjectNode counters = health.putObject("cache");
    counters.put("hits", cache.hits());
    counters.put("semantic_hits", cache.semanticHits());
    counters.put("misses", cache.misses());
    counters.put("refreshes", cache.refreshes());
    counters.put("stores", cache.stores());
    counters.put("errors", cache.errors());
    counters.put("saved_tokens", cache.savedTokens());
    // Plain (0.00000006), never in exponent form (6E-8), as the cost header is.
    counters.putRawValue(
        "saved_cost_usd",
        new com.fasterxml.jackson.databind.util.RawValue(cache.savedCostUsd().toPlainString()));
    if (cache.entries() >= 0) {
      counters.put("entries", cache.entries());
    }
    ObjectNode hooks = health.putObject("guardrails");
    tallies(hooks.putObject("by_check"), guardrails.byCheck());
    tallies(hooks.putObject("by_cohort"), guardrails.byCohort());
    requestLog(health.putObject("request_log"), requestLog);
    return health;
  }

  /**
   * The request log's counters (docs/observability.md, "Storage and durability"): the store's kind,
   * never its URL, and the last error's kind, never its message.
   */
  private static void requestLog(ObjectNode into, RequestLog.Statistics log) {
    into.put("enabled", log != null);
    if (log == null) {
      return;
    }
    into.put("store", log.store().name().toLowerCase(java.util.Locale.ROOT));
    into.put("accepted", log.accepted());
    into.put("written", log.written());
    into.put("dropped", log.dropped());
    into.put("queued", log.queued());
    into.put("writing", log.writing());
    into.put("capacity", log.capacity());
    into.put("batch_size", log.batchSize());
    into.put("spilled", log.spilled());
    into.put("spill_bytes", log.spillBytes());
    into.put("spill_capacity_bytes", log.spillCapacityBytes());
    into.put("recovered", log.recovered());
    into.put("store_failures", log.storeFailures());
    into.put("last_error_kind", log.lastErrorKind());
    into.put("last_error_at", log.lastErrorAt() == null ? null : log.lastErrorAt().toString());
  }

  private static void tallies(
      ObjectNode into,
      java.util.Map<String, dev.switchboard.engine.guardrails.GuardrailStatistics.Tally> tallies) {
    new java.util.TreeMap<>(tallies)
        .forEach((name, tally) ->
            into.putObject(name)
                .put("passed", tally.passed())
                .put("failed", tally.failed())
                .put("errored", tally.errored()));
  }

  /** The version from the jar's manifest; "dev" when run from classes. */
  private static String version() {
    String version = Health.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
