package dev.switchboard.bench;

/**
 * One cell of the benchmark: a target, a response format and a number of concurrent workers.
 *
 * @param target where the requests go
 * @param format JSON or SSE
 * @param concurrency how many workers send requests back to back
 */
record Scenario(Target target, ResponseFormat format, int concurrency) {

  @Override
  public String toString() {
    return target.name() + " " + format + " C=" + concurrency;
  }
}
