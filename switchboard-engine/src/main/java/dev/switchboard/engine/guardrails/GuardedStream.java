package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.engine.pipeline.Hook;
import dev.switchboard.engine.providers.ResponseStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A streamed answer under output hooks. Each event's text is gathered; after each event, the
 * denying hooks' checks that can decide early ({@link Checks#decidesMidStream}) run on the text so
 * far, and a failure ends the stream before that event goes out. When the provider ends the stream,
 * every output hook runs on the whole text: the results go into the {@link GuardrailReport}, and a
 * denying failure ends the stream with a {@link GuardrailDeniedException} instead of its normal
 * end.
 */
final class GuardedStream<T> implements ResponseStream<T> {
  private final ResponseStream<T> stream;
  private final RequestKind kind;
  private final List<Hook> syncHooks;
  private final List<Hook> asyncHooks;
  private final List<Hook> midStreamHooks;
  private final HookRunner.Subject subject;
  private final String cohort;
  private final GuardrailReport report;
  private final GuardrailStage stage;
  private final StreamText text = new StreamText();
  private boolean ended;

  GuardedStream(
      ResponseStream<T> stream,
      RequestKind kind,
      List<Hook> syncHooks,
      List<Hook> asyncHooks,
      HookRunner.Subject subject,
      String cohort,
      GuardrailReport report,
      GuardrailStage stage) {
    this.stream = stream;
    this.kind = kind;
    this.syncHooks = syncHooks;
    this.asyncHooks = asyncHooks;
    this.subject = subject;
    this.cohort = cohort;
    this.report = report;
    this.stage = stage;
    this.midStreamHooks = midStream(syncHooks);
  }

  private static List<Hook> midStream(List<Hook> hooks) {
    List<Hook> early = new ArrayList<>();
    for (Hook hook : hooks) {
      if (!hook.deny() || hook.type() != Hook.Type.GUARDRAIL) {
        continue;
      }
      List<Hook.Check> checks =
          hook.checks().stream()
              .filter(c -> c.enabled() && Checks.decidesMidStream(c.id(), c.parameters()))
              .toList();
      if (!checks.isEmpty()) {
        early.add(
            new Hook(
                hook.id(),
                hook.type(),
                true,
                false,
                hook.sequential(),
                hook.onFail(),
                hook.onSuccess(),
                checks));
      }
    }
    return early;
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return stream.headers();
  }

  @Override
  public T next() {
    if (ended) {
      return null;
    }
    T event = stream.next();
    if (event == null) {
      ended = true;
      finish();
      return null;
    }
    if (text.add(event) && !midStreamHooks.isEmpty()) {
      HookRunner.Subject sofar = subjectWith(text.answer(kind));
      HookRunner.Outcome early =
          stage.runner().runQuietly(midStreamHooks, HookEvent.AFTER_REQUEST, sofar);
      if (early.deny()) {
        ended = true;
        stream.close();
        finish(); // records every output hook's verdict on the text so far, and throws
        throw new GuardrailDeniedException(report.hookResults());
      }
    }
    return event;
  }

  private void finish() {
    ObjectNode answer = text.answer(kind);
    HookRunner.Subject whole = subjectWith(answer);
    stage.runAsync(asyncHooks, HookEvent.AFTER_REQUEST, whole, cohort);
    HookRunner.Outcome output =
        stage.runner().run(syncHooks, HookEvent.AFTER_REQUEST, whole, cohort);
    report.after(output.results(), output.failed());
    if (output.deny()) {
      throw new GuardrailDeniedException(report.hookResults());
    }
  }

  private HookRunner.Subject subjectWith(ObjectNode answer) {
    return new HookRunner.Subject(
        kind, answer, subject.request, true, subject.provider, subject.metadata, subject.headers);
  }

  @Override
  public void close() {
    stream.close();
  }
}
