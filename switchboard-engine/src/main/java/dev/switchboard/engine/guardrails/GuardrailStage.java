package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.GuardrailPlan;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.engine.pipeline.Hook;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guardrails stage: runs once per upstream attempt, after the router chose the target (whose
 * hooks it runs) and before the cache, so that every route that reaches a model passes through it
 * and a cached answer is checked like a fresh one.
 *
 * <ul>
 *   <li>Input hooks run on the request before anything goes upstream (or to the cache); a mutator's
 *       rewrite is what the provider receives (the stage proceeds with the attempt rewritten). A
 *       denying failure answers 446.
 *   <li>Output hooks run on the answer: a whole body before it is returned; a stream as it passes
 *       (checks that can decide early on the text so far, the others when it ends); a
 *       passed-through answer read whole first. A denying failure answers 446 (a stream already
 *       under way ends with the 446 body as its last event instead of {@code [DONE]}).
 *   <li>{@code async} hooks run beside the request and hold nothing: their results are logged and
 *       counted.
 * </ul>
 *
 * The results go on the attempt's entry in the request's log ({@link GuardrailReport}).
 */
public final class GuardrailStage implements AttemptStage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.guardrails");

  /** The largest passed-through answer read whole for output hooks. */
  static final int MAX_PASS_THROUGH_BYTES = 32 << 20;

  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final GuardrailStatistics statistics = new GuardrailStatistics();
  private final HookRunner runner;
  private final ToolCallGuardrails toolCalls = new ToolCallGuardrails(this);

  public GuardrailStage(UpstreamClient upstream, Clock clock) {
    this.runner =
        new HookRunner(executor, new GuardrailServices(upstream, clock), clock, statistics);
  }

  public GuardrailStatistics statistics() {
    return statistics;
  }

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    RequestOptions options = attempt.options();
    GuardrailPlan plan = attempt.hooks() == null ? GuardrailPlan.NONE : attempt.hooks();
    List<Hook> before = new ArrayList<>(defaults(options.defaultInputGuardrails(), "input"));
    before.addAll(plan.before());
    List<Hook> after = new ArrayList<>(defaults(options.defaultOutputGuardrails(), "output"));
    after.addAll(plan.after());
    RequestKind kind = RequestKind.of(attempt.operation());
    if ((before.isEmpty() && after.isEmpty()) || kind == RequestKind.LIST_MODELS) {
      return chain.proceed(attempt);
    }
    boolean strict = strictOpenAiCompliance(attempt, plan);
    String cohort = GuardrailStatistics.cohort(options.metadata());
    String provider = attempt.target() == null ? null : attempt.target().provider();
    Map<String, String> headers = headers(options);

    // Input hooks, on the request as it would go upstream.
    Operation operation = attempt.operation();
    ObjectNode requestJson = requestJson(operation);
    HookRunner.Subject request =
        new HookRunner.Subject(
            kind,
            requestJson,
            requestJson,
            operation.streaming(),
            provider,
            options.metadata(),
            headers);
    runAsync(partition(before, true), HookEvent.BEFORE_REQUEST, request, cohort);
    HookRunner.Outcome input =
        runner.run(partition(before, false), HookEvent.BEFORE_REQUEST, request, cohort);
    if (input.deny()) {
      throw new GuardrailDeniedException(
          GuardrailReport.hookResults(input.results(), WireJson.mapper().createArrayNode()));
    }
    Attempt sent = attempt;
    if (request.transformed) {
      sent = attempt.withOperation(rebuilt(operation, request.json));
      attempt.entry().modelSent(sent.operation().model());
    }
    GuardrailReport report = new GuardrailReport(input.results(), input.failed(), strict);
    attempt.entry().guardrails(report);

    Outcome outcome = chain.proceed(sent);
    if (after.isEmpty() || !kind.answersWithText()) {
      return withResults(outcome, report);
    }
    ObjectNode sentRequest = requestJson(sent.operation());
    List<Hook> asyncAfter = partition(after, true);
    List<Hook> syncAfter = partition(after, false);
    return switch (outcome) {
      case Outcome.Body body -> {
        ObjectNode answer = WireJson.mapper().valueToTree(body.body());
        HookRunner.Subject subject =
            new HookRunner.Subject(
                kind, answer, sentRequest, false, provider, options.metadata(), headers);
        runAsync(asyncAfter, HookEvent.AFTER_REQUEST, subject, cohort);
        HookRunner.Outcome output = runner.run(syncAfter, HookEvent.AFTER_REQUEST, subject, cohort);
        report.after(output.results(), output.failed());
        if (output.deny()) {
          throw new GuardrailDeniedException(report.hookResults());
        }
        Object rewritten =
            subject.transformed
                ? WireJson.convert(subject.json, body.body().getClass())
                : body.body();
        yield withResults(body.withBody(rewritten), report);
      }
      case Outcome.Events events ->
          events.withStream(
              new GuardedStream<>(
                  events.stream(),
                  kind,
                  syncAfter,
                  asyncAfter,
                  new HookRunner.Subject(
                      kind, null, sentRequest, true, provider, options.metadata(), headers),
                  cohort,
                  report,
                  this));
      case Outcome.Raw raw ->
          checkedRaw(
              raw,
              kind,
              syncAfter,
              asyncAfter,
              sentRequest,
              provider,
              options,
              headers,
              cohort,
              report);
    };
  }

  private Outcome checkedRaw(
      Outcome.Raw raw,
      RequestKind kind,
      List<Hook> syncAfter,
      List<Hook> asyncAfter,
      ObjectNode sentRequest,
      String provider,
      RequestOptions options,
      Map<String, String> headers,
      String cohort,
      GuardrailReport report) {
    UpstreamResponse response = raw.response();
    if (!response.isSuccess()) {
      return raw; // Portkey runs output hooks on a 200 answer only.
    }
    byte[] body;
    try (response) {
      body = response.readBody(MAX_PASS_THROUGH_BYTES);
    }
    String contentType = String.valueOf(response.header("content-type")).toLowerCase(Locale.ROOT);
    ObjectNode answer = answerJson(body, contentType);
    HookRunner.Subject subject =
        new HookRunner.Subject(
            kind, answer, sentRequest, false, provider, options.metadata(), headers);
    runAsync(asyncAfter, HookEvent.AFTER_REQUEST, subject.copy(), cohort);
    HookRunner.Outcome output = runner.run(syncAfter, HookEvent.AFTER_REQUEST, subject, cohort);
    report.after(output.results(), output.failed());
    if (output.deny()) {
      throw new GuardrailDeniedException(report.hookResults());
    }
    int status = response.status();
    if (!subject.json.has(ContentParts.RAW_FIELD)) {
      // A JSON answer carries the hook results, and 246 when a hook failed, as a modelled one.
      subject.json.set("hook_results", report.hookResults());
      body = WireJson.write(subject.json);
      if (report.failed() && status == 200) {
        status = 246;
      }
    }
    return raw.withResponse(UpstreamResponse.buffered(response, status, body));
  }

  /** A passed-through answer as JSON: its object, or its text (a stream's text deltas joined). */
  private static ObjectNode answerJson(byte[] body, String contentType) {
    String text = new String(body, StandardCharsets.UTF_8);
    if (contentType.contains("json")) {
      try {
        JsonNode json = WireJson.tree(body);
        if (json instanceof ObjectNode object) {
          return object;
        }
      } catch (WireFormatException notJson) {
        // checked as text
      }
    }
    if (contentType.contains("event-stream")) {
      text = StreamText.ofServerSentEvents(text);
    }
    ObjectNode raw = WireJson.mapper().createObjectNode();
    raw.put(ContentParts.RAW_FIELD, text);
    return raw;
  }

  /** The outcome with {@code hook_results} added to a JSON body, as Portkey writes them. */
  private static Outcome withResults(Outcome outcome, GuardrailReport report) {
    if (!(outcome instanceof Outcome.Body body) || !(report.hasBefore() || report.hasAfter())) {
      return outcome;
    }
    JsonNode json = WireJson.mapper().valueToTree(body.body());
    if (!(json instanceof ObjectNode object)) {
      return outcome;
    }
    object.set("hook_results", report.hookResults());
    return body.withBody(WireJson.convert(object, body.body().getClass()));
  }

  /**
   * Portkey's {@code strict_open_ai_compliance}: on, unless the header, the target's own setting or
   * the nearest config node's says {@code false}.
   */
  private static boolean strictOpenAiCompliance(Attempt attempt, GuardrailPlan plan) {
    String header = attempt.options().providerOptions().get("strict_open_ai_compliance");
    String target =
        attempt.target() == null ? null : attempt.target().option("strict_open_ai_compliance");
    return !(isFalse(header)
        || isFalse(target)
        || Boolean.FALSE.equals(plan.strictOpenAiCompliance()));
  }

  private static boolean isFalse(String value) {
    return value != null && value.strip().equalsIgnoreCase("false");
  }

  void runAsync(List<Hook> hooks, HookEvent event, HookRunner.Subject subject, String cohort) {
    if (hooks.isEmpty()) {
      return;
    }
    HookRunner.Subject copy = subject.copy();
    executor.submit(() -> {
      try {
        HookRunner.Outcome outcome = runner.run(hooks, event, copy, cohort);
        log.info(
            "async {} hooks: {} (results are not applied to the request)",
            event.portkeyName(),
            outcome.failed() ? "failed" : "passed");
      } catch (RuntimeException e) {
        log.warn("async {} hooks could not run: {}", event.portkeyName(), e.toString());
      }
    });
  }

  HookRunner runner() {
    return runner;
  }

  /** The guardrails of MCP tool calls, on this stage's runner. */
  public ToolCallGuardrails toolCalls() {
    return toolCalls;
  }

  static List<Hook> partition(List<Hook> hooks, boolean async) {
    List<Hook> chosen = new ArrayList<>();
    for (Hook hook : hooks) {
      // Portkey skips async mutators: a rewrite nobody waits for would change nothing.
      if (hook.async() == async && !(async && hook.type() == Hook.Type.MUTATOR)) {
        chosen.add(hook);
      }
    }
    return chosen;
  }

  private static List<Hook> defaults(String header, String side) {
    if (header == null || header.isBlank()) {
      return List.of();
    }
    String name = "x-portkey-default-" + side + "-guardrails";
    JsonNode json;
    try {
      json = WireJson.tree(header);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(name + " must be a JSON array of guardrails", name, null);
    }
    return HookParser.shorthand(json, side, name);
  }

  private static Map<String, String> headers(RequestOptions options) {
    Map<String, String> headers = new java.util.HashMap<>(options.requestHeaders());
    if (options.apiKey() != null) {
      // For default.jwt with its default headerKey; never sent to a webhook.
      headers.put("authorization", "Bearer " + options.apiKey());
    }
    return headers;
  }

  /** The request body as JSON, a copy the hooks may rewrite. */
  static ObjectNode requestJson(Operation operation) {
    return switch (operation) {
      case Operation.Chat chat -> WireJson.mapper().valueToTree(chat.request());
      case Operation.TextCompletion completion ->
          WireJson.mapper().valueToTree(completion.request());
      case Operation.Embedding embedding -> WireJson.mapper().valueToTree(embedding.request());
      case Operation.Messages messages -> messages.request().deepCopy();
      case Operation.Responses responses -> responses.request().deepCopy();
      case Operation.CountTokens count -> count.request().deepCopy();
      case Operation.ListModels models -> WireJson.mapper().createObjectNode();
      case Operation.PassThrough passThrough -> passThroughJson(passThrough.request());
    };
  }

  private static ObjectNode passThroughJson(PassThroughRequest request) {
    byte[] body = request.body() == null ? new byte[0] : request.body();
    if (body.length > 0) {
      try {
        JsonNode json = WireJson.tree(body);
        if (json instanceof ObjectNode object) {
          return object;
        }
      } catch (WireFormatException notJson) {
        // checked as text
      }
    }
    ObjectNode raw = WireJson.mapper().createObjectNode();
    raw.put(ContentParts.RAW_FIELD, new String(body, StandardCharsets.UTF_8));
    return raw;
  }

  /** The operation with the request body the hooks rewrote. */
  static Operation rebuilt(Operation operation, ObjectNode json) {
    return switch (operation) {
      case Operation.Chat chat -> new Operation.Chat(WireJson.convert(json, ChatRequest.class));
      case Operation.TextCompletion completion ->
          new Operation.TextCompletion(WireJson.convert(json, CompletionRequest.class));
      case Operation.Embedding embedding ->
          new Operation.Embedding(WireJson.convert(json, EmbeddingRequest.class));
      case Operation.Messages messages -> new Operation.Messages(json);
      case Operation.Responses responses -> new Operation.Responses(json);
      case Operation.CountTokens count -> new Operation.CountTokens(json);
      case Operation.ListModels models -> operation;
      case Operation.PassThrough passThrough -> {
        PassThroughRequest original = passThrough.request();
        byte[] body;
        if (json.has(ContentParts.RAW_FIELD)) {
          if (!isText(original)) {
            yield operation; // a binary body is checked, never rewritten
          }
          body = json.get(ContentParts.RAW_FIELD).asText().getBytes(StandardCharsets.UTF_8);
        } else {
          body = WireJson.write(json);
        }
        yield new Operation.PassThrough(
            new PassThroughRequest(
                original.method(), original.path(), original.query(), original.headers(), body));
      }
    };
  }

  private static boolean isText(PassThroughRequest request) {
    for (Map.Entry<String, String> header : request.headers()) {
      if (header.getKey().equalsIgnoreCase("content-type")) {
        return header.getValue().toLowerCase(Locale.ROOT).startsWith("text/");
      }
    }
    return false;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
