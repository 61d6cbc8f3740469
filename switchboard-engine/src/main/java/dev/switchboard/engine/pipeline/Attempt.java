package dev.switchboard.engine.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.providers.Target;

/**
 * One upstream attempt of a request, as the attempt stages receive it, immutable: the router builds
 * one per attempt (a retry or a fallback is another). A stage that changes what is sent (an input
 * mutator) proceeds with a changed copy ({@link #withOperation}), as OkHttp's interceptors do; a
 * stage's facts about the attempt go into its {@link #entry()} in the request's log.
 *
 * @param request the request this is an attempt of
 * @param operation what this attempt sends: the client's operation with the target's {@code
 *     override_params}, and whatever a stage before rewrote
 * @param target where it goes: provider, credentials, host, forwarded headers, timeout
 * @param optionPath the target's place in the config, as Portkey writes it: {@code config}, {@code
 *     config.targets[1]}, …
 * @param retry which try of this target it is: 0 for the first, 1 for the first retry, …
 * @param cache the {@code cache} setting in force for the target (its own or inherited), as the
 *     config wrote it, or {@code null} for none
 * @param hooks the hooks in force for the target, and the config's {@code
 *     strict_open_ai_compliance}
 * @param entry this attempt's entry in the request's log
 */
public record Attempt(
    Request request,
    Operation operation,
    Target target,
    String optionPath,
    int retry,
    JsonNode cache,
    GuardrailPlan hooks,
    AttemptEntry entry) {

  /** The request's gateway options. */
  public RequestOptions options() {
    return request.options();
  }

  /** This attempt sending {@code next} instead. */
  public Attempt withOperation(Operation next) {
    return new Attempt(request, next, target, optionPath, retry, cache, hooks, entry);
  }
}
