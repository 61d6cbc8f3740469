package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.pipeline.Hook;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs hooks on one side of a request, as Portkey's {@code HooksManager} does: a guardrail's checks
 * see the same text (or, with {@code sequential}, each the text as the previous one left it); a
 * mutator's checks run in order, each on the text rewritten so far. A hook passes when each of its
 * checks passed or errored without {@code failOnError}; it denies when it failed and says {@code
 * deny}. Each check runs with a time limit; an error or a time-out is recorded in the results,
 * logged and counted, never ignored.
 */
final class HookRunner {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.guardrails");

  /** The time a check may take when it sets no {@code timeout} of its own. */
  static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(5);

  private final ExecutorService executor;
  private final GuardrailServices services;
  private final Clock clock;
  private final GuardrailStatistics statistics;

  HookRunner(
      ExecutorService executor,
      GuardrailServices services,
      Clock clock,
      GuardrailStatistics statistics) {
    this.executor = executor;
    this.services = services;
    this.clock = clock;
    this.statistics = statistics;
  }

  /**
   * The request or the answer the hooks look at, which mutators rewrite in place.
   *
   * @param json the request body or the answer, as JSON (replaced by a transformer)
   */
  static final class Subject {
    final RequestKind kind;
    ObjectNode json;
    final ObjectNode request;
    final boolean streaming;
    final String provider;
    final Map<String, String> metadata;
    final Map<String, String> headers;
    boolean transformed;

    Subject(
        RequestKind kind,
        ObjectNode json,
        ObjectNode request,
        boolean streaming,
        String provider,
        Map<String, String> metadata,
        Map<String, String> headers) {
      this.kind = kind;
      this.json = json;
      this.request = request;
      this.streaming = streaming;
      this.provider = provider;
      this.metadata = metadata;
      this.headers = headers;
    }

    /** A copy for hooks that run beside the request (async), which must not see later rewrites. */
    Subject copy() {
      return new Subject(
          kind,
          json == null ? null : json.deepCopy(),
          request == null ? null : request.deepCopy(),
          streaming,
          provider,
          metadata,
          headers);
    }

    List<ContentParts.Slot> slots(HookEvent event) {
      return event == HookEvent.BEFORE_REQUEST
          ? ContentParts.request(kind, json)
          : ContentParts.response(kind, json);
    }
  }

  /** The results of a list of hooks, and whether one of them denies the request. */
  record Outcome(ArrayNode results, boolean deny, boolean failed) {}

  /**
   * Runs checks on a stream's text so far, to decide early: nothing is counted, since the checks
   * run again on the whole text.
   */
  Outcome runQuietly(List<Hook> hooks, HookEvent event, Subject subject) {
    return run(hooks, event, subject, null);
  }

  /**
   * Runs the hooks in order.
   *
   * @param cohort the cohort the verdicts are counted under; {@code null} counts nothing
   */
  Outcome run(List<Hook> hooks, HookEvent event, Subject subject, String cohort) {
    ArrayNode results = WireJson.mapper().createArrayNode();
    boolean deny = false;
    boolean failed = false;
    for (Hook hook : hooks) {
      ObjectNode result = runHook(hook, event, subject, cohort);
      results.add(result);
      if (!result.path("skipped").asBoolean(false)) {
        failed |= !result.path("verdict").asBoolean(true);
        deny |= result.path("deny").asBoolean(false);
      }
    }
    return new Outcome(results, deny, failed);
  }

  private ObjectNode runHook(Hook hook, HookEvent event, Subject subject, String cohort) {
    ObjectNode result = WireJson.mapper().createObjectNode();
    result.put("id", hook.id()).put("type", hook.type().wireName());
    if (skips(hook, event, subject)) {
      return result.put("skipped", true);
    }
    Instant started = clock.instant();
    List<ObjectNode> checks = new ArrayList<>();
    boolean inOrder = hook.type() == Hook.Type.MUTATOR || hook.sequential();
    List<CheckResult> pending = new ArrayList<>();
    CheckContext shared = inOrder ? null : context(event, subject);
    for (Hook.Check check : hook.checks()) {
      if (!check.enabled()) {
        continue;
      }
      CheckContext context = inOrder ? context(event, subject) : shared;
      Instant checkStarted = clock.instant();
      CheckResult outcome = execute(check, context);
      ObjectNode checkJson = checkResult(check, outcome, checkStarted);
      checks.add(checkJson);
      if (cohort != null) {
        statistics.record(check.id(), cohort, outcome.error() != null, outcome.verdict());
      }
      if (outcome.error() != null && cohort != null) {
        log.warn(
            "guardrail check {} of hook {} errored ({}): {}",
            check.id(),
            hook.id(),
            failOnError(check) ? "fails the hook" : "passes, failOnError not set",
            outcome.error());
      }
      if (inOrder) {
        apply(outcome, event, subject);
      } else {
        pending.add(outcome);
      }
    }
    pending.forEach(outcome -> apply(outcome, event, subject));
    boolean verdict =
        checks.stream()
            .allMatch(c ->
                c.path("verdict").asBoolean()
                    || (c.has("error") && !c.path("fail_on_error").asBoolean()));
    result.put("verdict", verdict);
    result.put("transformed", checks.stream().anyMatch(c -> c.path("transformed").asBoolean()));
    ArrayNode checksJson = result.putArray("checks");
    checks.forEach(checksJson::add);
    result.set("feedback", feedback(checks, hook));
    result.put("execution_time", Duration.between(started, clock.instant()).toMillis());
    result.put("async", hook.async());
    result.put("created_at", started.toString());
    result.put("deny", hook.deny() && !verdict);
    return result;
  }

  /**
   * Portkey's skips: no output hooks where the answer has no text (embeddings, token counts).
   * Unlike Portkey, mutators do run on an embedding request's input, so personal data can be
   * redacted before it is embedded.
   */
  private static boolean skips(Hook hook, HookEvent event, Subject subject) {
    return (event == HookEvent.AFTER_REQUEST && !subject.kind.answersWithText())
        || subject.kind == RequestKind.LIST_MODELS;
  }

  private CheckContext context(HookEvent event, Subject subject) {
    List<String> texts = ContentParts.texts(subject.slots(event));
    return new CheckContext(
        event,
        subject.kind,
        event == HookEvent.BEFORE_REQUEST ? subject.json.deepCopy() : subject.request,
        event == HookEvent.AFTER_REQUEST ? subject.json.deepCopy() : null,
        texts,
        subject.streaming,
        subject.provider,
        subject.metadata,
        subject.headers,
        services);
  }

  private CheckResult execute(Hook.Check check, CheckContext context) {
    Check implementation = Checks.get(check.id());
    Duration limit = timeout(check);
    Future<CheckResult> running =
        executor.submit(() -> implementation.run(context, check.parameters()));
    try {
      CheckResult result = running.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      return result == null ? CheckResult.failed("The check gave no result.", null) : result;
    } catch (TimeoutException e) {
      running.cancel(true);
      return CheckResult.failed(
          "The check did not finish within " + limit.toMillis() + " ms.",
          TextChecks.data().put("explanation", "Timed out."));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      String message =
          cause instanceof Check.CheckFailure
              ? cause.getMessage()
              : "Error executing check (" + cause.getClass().getSimpleName() + ")";
      return CheckResult.failed(
          message, TextChecks.data().put("explanation", "An error occurred: " + message));
    } catch (InterruptedException e) {
      running.cancel(true);
      Thread.currentThread().interrupt();
      return CheckResult.failed("The request was cancelled.", null);
    }
  }

  private static Duration timeout(Hook.Check check) {
    JsonNode timeout = check.parameters().get("timeout");
    if (timeout != null && timeout.isNumber() && timeout.asLong() > 0) {
      return Duration.ofMillis(Math.min(timeout.asLong(), 60_000) + 1_000);
    }
    return DEFAULT_CHECK_TIMEOUT;
  }

  private static boolean failOnError(Hook.Check check) {
    return check.parameters().path("failOnError").asBoolean(false);
  }

  private ObjectNode checkResult(Hook.Check check, CheckResult outcome, Instant started) {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("data", outcome.data());
    json.put("verdict", outcome.verdict());
    json.put("id", check.id());
    if (outcome.error() != null) {
      json.putObject("error").put("name", "Error").put("message", outcome.error());
    }
    json.put("execution_time", Duration.between(started, clock.instant()).toMillis());
    json.put("transformed", outcome.isTransformed());
    json.put("created_at", started.toString());
    json.putNull("log");
    json.put("fail_on_error", failOnError(check));
    return json;
  }

  private static void apply(CheckResult outcome, HookEvent event, Subject subject) {
    if (outcome.replacement() != null) {
      subject.json = outcome.replacement().deepCopy();
      subject.transformed = true;
    }
    if (outcome.transformed() != null) {
      List<ContentParts.Slot> slots = subject.slots(event);
      List<String> texts = outcome.transformed();
      for (int i = 0; i < Math.min(slots.size(), texts.size()); i++) {
        if (texts.get(i) != null) {
          slots.get(i).set(texts.get(i));
        }
      }
      subject.transformed = true;
    }
  }

  /** Portkey's feedback object: the configured value and weight, and which checks did what. */
  private static JsonNode feedback(List<ObjectNode> checks, Hook hook) {
    boolean passed = checks.stream().allMatch(c -> c.path("verdict").asBoolean() || c.has("error"));
    JsonNode config = passed ? hook.onSuccess() : hook.onFail();
    JsonNode feedback = config == null ? null : config.get("feedback");
    if (feedback == null || !feedback.isObject()) {
      return WireJson.mapper().nullNode();
    }
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("value", feedback.get("value"));
    json.set("weight", feedback.get("weight"));
    ObjectNode metadata = json.putObject("metadata");
    if (feedback.path("metadata").isObject()) {
      metadata.setAll((ObjectNode) feedback.get("metadata"));
    }
    metadata.put("successfulChecks", ids(checks, c -> c.path("verdict").asBoolean()));
    metadata.put(
        "failedChecks", ids(checks, c -> !c.path("verdict").asBoolean() && !c.has("error")));
    metadata.put(
        "erroredChecks", ids(checks, c -> !c.path("verdict").asBoolean() && c.has("error")));
    return json;
  }

  private static String ids(
      List<ObjectNode> checks, java.util.function.Predicate<ObjectNode> which) {
    return String.join(
        ", ", checks.stream().filter(which).map(c -> c.path("id").asText()).toList());
  }
}
