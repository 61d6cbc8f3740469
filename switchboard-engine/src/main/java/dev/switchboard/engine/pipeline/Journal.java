package dev.switchboard.engine.pipeline;

import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.Usage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The log of one request: one per request, with one {@link AttemptEntry} per upstream attempt (as
 * Armeria's {@code RequestLogBuilder} with its children). Each stage writes its own facts into it
 * and nothing else: the observation stage the request's id, the access stage the caller, the limits
 * their rate-limit headers, the router the config and the attempts, the cache and the guardrails
 * their facts on their attempt's entry, the pricing the cost and the usage. No stage reads
 * another's facts from it to decide what to do; the response's facts ({@code ResponseFacts}) and
 * the request's record ({@code RequestRecord}) are views of it, each computed once.
 *
 * <p>Written on the request's thread, but for the pricing of a stream, which may end on the thread
 * that noticed its client's departure (those facts are volatile).
 */
public final class Journal {
  private String requestId;
  private String workspace;
  private String apiKeyId;
  private List<Map.Entry<String, String>> gatewayHeaders = List.of();
  private String configName;
  private boolean logBodies;
  private String arm;
  private Shadow.Route shadow;
  private final List<AttemptEntry> attempts = new ArrayList<>(2);
  private volatile BigDecimal costUsd;
  private volatile Usage closedStreamUsage;
  private volatile PassThroughUsage passThroughUsage;

  // Observation.

  /** The gateway's id of this request ({@code x-switchboard-request-id}), once one was given. */
  public String requestId() {
    return requestId;
  }

  public void requestId(String id) {
    this.requestId = id;
  }

  // Access.

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
   * Response headers of the gateway's own that a stage added for the client (the rate-limit
   * headers), in order; the server writes them on the answer, success or failure.
   */
  public List<Map.Entry<String, String>> gatewayHeaders() {
    return gatewayHeaders.isEmpty() ? List.of() : Collections.unmodifiableList(gatewayHeaders);
  }

  /** Adds a response header of the gateway's own (lower-case name). */
  public void gatewayHeader(String name, String value) {
    if (gatewayHeaders.isEmpty()) {
      gatewayHeaders = new ArrayList<>(6); // only a request held to limits has any
    }
    gatewayHeaders.add(Map.entry(name, value));
  }

  // The router.

  /**
   * The config that routes the request, for the request log: a saved config's id, {@code inline:}
   * with a digest of an inline one, or {@code null} for none.
   */
  public String configName() {
    return configName;
  }

  /** Whether the config asked for request and response bodies in the request log. */
  public boolean logBodies() {
    return logBodies;
  }

  /** Records the config the router resolved for the request. */
  public void config(String name, boolean logBodies) {
    this.configName = name;
    this.logBodies = logBodies;
  }

  /**
   * The arm a sticky load balancer gave the request (its target's {@code name}, else its index), or
   * {@code null}; arms of nested sticky groups are joined with {@code /}, outermost first.
   */
  public String arm() {
    return arm;
  }

  /** Records the arm a sticky load balancer chose. */
  public void arm(String chosen) {
    this.arm = arm == null ? chosen : arm + "/" + chosen;
  }

  /**
   * The shadow target the router drew for this request (its config's {@code shadow}, within its
   * {@code share}), which the gateway replays the request against once it is over; else {@code
   * null}.
   */
  public Shadow.Route shadow() {
    return shadow;
  }

  /** Records the shadow drawn for this request; only the first one drawn is kept. */
  public void shadow(Shadow.Route drawn) {
    if (shadow == null) {
      this.shadow = drawn;
    }
  }

  /**
   * Opens the entry of an upstream attempt, as the router begins it.
   *
   * @param model the model the attempt asks for (after the target's {@code override_params}), or
   *     {@code null}
   */
  public AttemptEntry attempt(
      Target target, String model, String optionPath, int retry, Instant startedAt) {
    AttemptEntry entry =
        new AttemptEntry(attempts.size(), target, model, optionPath, retry, startedAt);
    attempts.add(entry);
    return entry;
  }

  /** The upstream attempts made so far, in order. */
  public List<AttemptEntry> attempts() {
    return Collections.unmodifiableList(attempts);
  }

  /** The last attempt begun, or {@code null} when none was. */
  public AttemptEntry lastAttempt() {
    return attempts.isEmpty() ? null : attempts.getLast();
  }

  /**
   * Every credential of every target chosen so far, wherever it came from (a header, a config, a
   * virtual key): what the request's record must never show.
   */
  public Set<String> credentialsUsed() {
    // Derived when asked (only a logged body is redacted), not collected on every attempt.
    Set<String> credentials = new LinkedHashSet<>();
    attempts.forEach(attempt -> credentials.addAll(attempt.target().credentials()));
    return credentials;
  }

  // Pricing.

  /**
   * What the answer cost at the provider, in US dollars, once known (a whole answer before it is
   * written; a stream at its usage event; any answer from the cache: zero); {@code null} when
   * unknown.
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
  public PassThroughUsage passThroughUsage() {
    return passThroughUsage;
  }

  public void passThroughUsage(PassThroughUsage usage) {
    this.passThroughUsage = usage;
  }

  /**
   * The usage reckoned for a stream its client closed before the provider sent one: the request's
   * prompt estimate and the completion tokens counted from what was streamed; {@code null} for any
   * other answer.
   */
  public Usage closedStreamUsage() {
    return closedStreamUsage;
  }

  public void closedStreamUsage(Usage usage) {
    this.closedStreamUsage = usage;
  }
}
