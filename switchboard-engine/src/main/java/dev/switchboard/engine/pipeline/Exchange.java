package dev.switchboard.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.ResponseFacts;
import dev.switchboard.engine.providers.Target;
import java.math.BigDecimal;

/**
 * One client request on its way through the pipeline: what was asked, with which options, and what
 * the stages decided so far (the target). Confined to the request's thread.
 */
public final class Exchange {
  private Operation operation;
  private final RequestOptions options;
  private Target target;
  private String optionPath;
  private int retryAttempts;
  private JsonNode cacheConfig;
  private String cacheStatus = ResponseFacts.CACHE_DISABLED;
  private boolean answeredFromCache;
  private BigDecimal costUsd;
  private BigDecimal savedCostUsd;

  public Exchange(Operation operation, RequestOptions options) {
    this.operation = operation;
    this.options = options;
  }

  /** What the next upstream call sends: the client's operation, with a target's overrides. */
  public Operation operation() {
    return operation;
  }

  /** Replaces what the next upstream call sends (a target's {@code override_params} applied). */
  public void operation(Operation next) {
    this.operation = next;
  }

  public RequestOptions options() {
    return options;
  }

  /** The target chosen for the upstream call, once a stage chose it; else {@code null}. */
  public Target target() {
    return target;
  }

  /**
   * Records the target chosen for the next upstream call.
   *
   * @param path where it stands in the config, as Portkey writes it: {@code config}, {@code
   *     config.targets[1]}, …
   */
  public void target(Target chosen, String path) {
    this.target = chosen;
    this.optionPath = path;
  }

  /** The chosen target's path in the config, or {@code null}. */
  public String optionPath() {
    return optionPath;
  }

  /** Retries made on the chosen target: 0, n, or -1 when they ran out. */
  public int retryAttempts() {
    return retryAttempts;
  }

  public void retryAttempts(int count) {
    this.retryAttempts = count;
  }

  /**
   * The {@code cache} setting in force for the chosen target (its own or inherited), as the config
   * wrote it, or {@code null} for none.
   */
  public JsonNode cacheConfig() {
    return cacheConfig;
  }

  public void cacheConfig(JsonNode cache) {
    this.cacheConfig = cache;
  }

  /** Portkey's {@code x-portkey-cache-status} for the last attempt: {@code HIT}, {@code MISS}, … */
  public String cacheStatus() {
    return cacheStatus;
  }

  public void cacheStatus(String status) {
    this.cacheStatus = status;
  }

  /** Whether the last attempt was answered by the cache, without an upstream call. */
  public boolean answeredFromCache() {
    return answeredFromCache;
  }

  public void answeredFromCache(boolean answered) {
    this.answeredFromCache = answered;
  }

  /**
   * What the answer cost at the provider, in US dollars, once known before the answer is written (a
   * whole answer, or any answer from the cache: zero); {@code null} when unknown.
   */
  public BigDecimal costUsd() {
    return costUsd;
  }

  public void costUsd(BigDecimal cost) {
    this.costUsd = cost;
  }

  /**
   * For an answer from the cache, what it would have cost at the provider, in US dollars; {@code
   * null} for any other answer, or when unknown.
   */
  public BigDecimal savedCostUsd() {
    return savedCostUsd;
  }

  public void savedCostUsd(BigDecimal saved) {
    this.savedCostUsd = saved;
  }
}
