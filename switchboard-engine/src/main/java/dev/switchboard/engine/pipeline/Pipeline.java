package dev.switchboard.engine.pipeline;

import java.util.List;

/** The stages a request passes, in order, ending at a terminal stage that never passes on. */
public final class Pipeline {
  private final List<Stage> stages;
  private final Stage.Chain terminal;

  public Pipeline(List<Stage> stages, Stage.Chain terminal) {
    this.stages = List.copyOf(stages);
    this.terminal = terminal;
  }

  public Outcome run(Exchange exchange) {
    return chainFrom(0).proceed(exchange);
  }

  private Stage.Chain chainFrom(int index) {
    if (index == stages.size()) {
      return terminal;
    }
    Stage stage = stages.get(index);
    Stage.Chain rest = chainFrom(index + 1);
    return exchange -> stage.handle(exchange, rest);
  }
}
