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
  // Volatile: a stream its client left is priced on the thread that noticed the departure.
  private volatile BigDecimal costUsd;
  private volatile dev.switchboard.wire.Usage closedStreamUsage;
  private BigDecimal savedCostUsd;
  private volatile dev.switchboard.engine.pricing.PassThroughUsage passThroughUsage;
  private dev.switchboard.engine.guardrails.GuardrailPlan guardrailPlan;
  private dev.switchboard.engine.guardrails.GuardrailReport guardrailReport;
  private Long cacheAgeSeconds;
  private String requestId;
  private String configName;
  private boolean logBodies;
  private final java.util.List<dev.switchboard.engine.observe.AttemptRecord> attempts =
      new java.util.ArrayList<>();
  private String workspace;
  private String apiKeyId;
  private final java.util.List<java.util.Map.Entry<String, String>> gatewayHeaders =
      new java.util.ArrayList<>();
  private final java.util.List<Target> targetsChosen = new java.util.ArrayList<>();

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
    targetsChosen.add(chosen);
  }

  /**
   * Every credential of every target chosen so far, wherever it came from (a header, a config, a
   * virtual key): what the request's record must never show.
   */
  public java.util.Set<String> credentialsUsed() {
    // Derived when asked (only a logged body is redacted), not collected on every attempt.
    java.util.Set<String> credentials = new java.util.LinkedHashSet<>();
    targetsChosen.forEach(target -> credentials.addAll(target.credentials()));
    return credentials;
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
   * The tokens read from a passed-through answer, once its body was read to the end, or from an
   * Anthropic Messages stream's usage events; {@code null} before, for any other answer, or when
   * the answer said none.
   */
  public dev.switchboard.engine.pricing.PassThroughUsage passThroughUsage() {
    return passThroughUsage;
  }

  public void passThroughUsage(dev.switchboard.engine.pricing.PassThroughUsage usage) {
    this.passThroughUsage = usage;
  }

  /**
   * The usage reckoned for a stream its client closed before the provider sent one: the request's
   * prompt estimate and the completion tokens counted from what was streamed; {@code null} for any
   * other answer.
   */
  public dev.switchboard.wire.Usage closedStreamUsage() {
    return closedStreamUsage;
  }

  public void closedStreamUsage(dev.switchboard.wire.Usage usage) {
    this.closedStreamUsage = usage;
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

  /** The hooks in force for the chosen target, set by the router; {@code null} for none. */
  public dev.switchboard.engine.guardrails.GuardrailPlan guardrailPlan() {
    return guardrailPlan;
  }

  public void guardrailPlan(dev.switchboard.engine.guardrails.GuardrailPlan plan) {
    this.guardrailPlan = plan;
  }

  /** The guardrails' results for the last attempt, or {@code null} when no hook ran. */
  public dev.switchboard.engine.guardrails.GuardrailReport guardrailReport() {
    return guardrailReport;
  }

  public void guardrailReport(dev.switchboard.engine.guardrails.GuardrailReport report) {
    this.guardrailReport = report;
  }

  /** For an answer from the cache, the stored answer's age in seconds; else {@code null}. */
  public Long cacheAgeSeconds() {
    return cacheAgeSeconds;
  }

  public void cacheAgeSeconds(Long age) {
    this.cacheAgeSeconds = age;
  }

  /**
   * The config that routes the request, for the request log: a saved config's id, {@code inline:}
   * with a digest of an inline one, or {@code null} for none.
   */
  public String configName() {
    return configName;
  }

  public void configName(String name) {
    this.configName = name;
  }

  /** Whether the config asked for request and response bodies in the request log. */
  public boolean logBodies() {
    return logBodies;
  }

  public void logBodies(boolean log) {
    this.logBodies = log;
  }

  /** The upstream attempts made so far, in order (the router records them). */
  public java.util.List<dev.switchboard.engine.observe.AttemptRecord> attempts() {
    return java.util.Collections.unmodifiableList(attempts);
  }

  /** Records an upstream attempt once it answered or failed. */
  public void attempted(dev.switchboard.engine.observe.AttemptRecord attempt) {
    attempts.add(attempt);
  }

  /** Replaces the last attempt's record (its wait before a retry became known). */
  public void amendLastAttempt(dev.switchboard.engine.observe.AttemptRecord attempt) {
    attempts.set(attempts.size() - 1, attempt);
  }

  /** The gateway's id of this request ({@code x-switchboard-request-id}), once one was given. */
  public String requestId() {
    return requestId;
  }

  public void requestId(String id) {
    this.requestId = id;
  }

  /** The caller's workspace, once the access stage authenticated it; else {@code null}. */
  public String workspace() {
    return workspace;
  }

  /**
   * The id of the caller's gateway key, once the access stage authenticated it (never the key);
   * else {@code null}.
   */
  public String apiKeyId() {
    return apiKeyId;
  }

  /** Records who the caller is, as the access stage authenticated it. */
  public void caller(String workspace, String apiKeyId) {
    this.workspace = workspace;
    this.apiKeyId = apiKeyId;
  }

  /**
   * Response headers of the gateway's own a stage adds for the client (the rate-limit headers), in
   * order; the server writes them on the answer, success or failure.
   */
  public java.util.List<java.util.Map.Entry<String, String>> gatewayHeaders() {
    return java.util.Collections.unmodifiableList(gatewayHeaders);
  }

  /** Adds a response header of the gateway's own (lower-case name). */
  public void gatewayHeader(String name, String value) {
    gatewayHeaders.add(java.util.Map.entry(name, value));
  }
}
