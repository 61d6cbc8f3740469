package dev.switchboard.engine.guardrails;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Guardrail verdicts counted by check and by cohort: how many checks passed, failed or errored. The
 * cohort is the request's {@code cohort} metadata value ({@code x-portkey-metadata}), else its
 * {@code _user}, else {@code -}.
 */
public final class GuardrailStatistics {
  private final ConcurrentMap<String, Counts> byCheck = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counts> byCohort = new ConcurrentHashMap<>();

  private static final class Counts {
    final LongAdder passed = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder errored = new LongAdder();

    void add(boolean error, boolean verdict) {
      (error ? errored : verdict ? passed : failed).increment();
    }

    Tally tally() {
      return new Tally(passed.sum(), failed.sum(), errored.sum());
    }
  }

  /** The counts of one check or cohort. */
  public record Tally(long passed, long failed, long errored) {
    public long total() {
      return passed + failed + errored;
    }
  }

  /** A copy of the counts: by check id, and by cohort. */
  public record Snapshot(Map<String, Tally> byCheck, Map<String, Tally> byCohort) {
    public Snapshot {
      byCheck = Map.copyOf(byCheck);
      byCohort = Map.copyOf(byCohort);
    }

    /** The counts of a check, zero when it never ran. */
    public Tally check(String id) {
      return byCheck.getOrDefault(id, new Tally(0, 0, 0));
    }
  }

  void record(String checkId, String cohort, boolean error, boolean verdict) {
    byCheck.computeIfAbsent(checkId, id -> new Counts()).add(error, verdict);
    byCohort.computeIfAbsent(cohort, id -> new Counts()).add(error, verdict);
  }

  public Snapshot snapshot() {
    Map<String, Tally> checks = new TreeMap<>();
    byCheck.forEach((id, counts) -> checks.put(id, counts.tally()));
    Map<String, Tally> cohorts = new TreeMap<>();
    byCohort.forEach((id, counts) -> cohorts.put(id, counts.tally()));
    return new Snapshot(checks, cohorts);
  }

  static String cohort(Map<String, String> metadata) {
    String cohort = metadata.get("cohort");
    if (cohort == null) {
      cohort = metadata.get("_user");
    }
    return cohort == null || cohort.isBlank() ? "-" : cohort;
  }
}
