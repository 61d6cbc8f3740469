package dev.switchboard.engine.cache;

import dev.switchboard.wire.Completion;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Rebuilds a complete legacy text completion from its stream (text concatenated per choice, the
 * finish reason, the usage), and the reverse.
 */
public final class CompletionStreamAssembler {
  private String id;
  private Long created;
  private String model;
  private String systemFingerprint;
  private Usage usage;
  private final TreeMap<Integer, StringBuilder> texts = new TreeMap<>();
  private final TreeMap<Integer, String> finishReasons = new TreeMap<>();
  private long characters;
  private boolean faithful = true;

  public long add(Completion chunk) {
    if (id == null) {
      id = chunk.id();
      created = chunk.created();
      model = chunk.model();
      systemFingerprint = chunk.systemFingerprint();
    }
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    for (Completion.Choice choice : chunk.choices()) {
      int index = choice.index() == null ? 0 : choice.index();
      StringBuilder text = texts.computeIfAbsent(index, i -> new StringBuilder());
      if (choice.text() != null) {
        text.append(choice.text());
        characters += choice.text().length();
      }
      if (choice.logprobs() != null && !choice.logprobs().isNull()) {
        faithful = false;
      }
      if (choice.finishReason() != null) {
        finishReasons.put(index, choice.finishReason());
      }
    }
    return characters;
  }

  boolean faithful() {
    return faithful && id != null;
  }

  public Completion assemble() {
    List<Completion.Choice> choices = new ArrayList<>();
    texts.forEach((index, text) ->
        choices.add(
            new Completion.Choice(text.toString(), index, null, finishReasons.get(index), null)));
    return new Completion(
        id, "text_completion", created, model, choices, usage, systemFingerprint, null);
  }

  /** Per choice, one event with its whole text and one with its finish reason; then the usage. */
  static List<Completion> replay(Completion answer, boolean includeUsage) {
    List<Completion> events = new ArrayList<>();
    for (Completion.Choice choice : answer.choices()) {
      events.add(
          event(answer, new Completion.Choice(choice.text(), choice.index(), null, null, null)));
      events.add(
          event(
              answer,
              new Completion.Choice("", choice.index(), null, choice.finishReason(), null)));
    }
    if (includeUsage && answer.usage() != null) {
      events.add(
          new Completion(
              answer.id(),
              "text_completion",
              answer.created(),
              answer.model(),
              List.of(),
              answer.usage(),
              answer.systemFingerprint(),
              null));
    }
    return events;
  }

  private static Completion event(Completion answer, Completion.Choice choice) {
    return new Completion(
        answer.id(),
        "text_completion",
        answer.created(),
        answer.model(),
        List.of(choice),
        null,
        answer.systemFingerprint(),
        null);
  }
}
