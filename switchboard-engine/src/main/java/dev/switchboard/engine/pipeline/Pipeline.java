package dev.switchboard.engine.pipeline;

import java.util.List;

/**
 * The stages a request passes, in order: the request stages, then the router, whose every attempt
 * passes the attempt stages and ends at a terminal chain that never passes on (the provider's
 * call). The chains are built once; a request allocates none.
 */
public final class Pipeline {
  private final Stage.Chain requests;

  public Pipeline(
      List<Stage> requestStages,
      Routing routing,
      List<AttemptStage> attemptStages,
      AttemptStage.Chain terminal) {
    AttemptStage.Chain attempts = terminal;
    for (AttemptStage stage : attemptStages.reversed()) {
      AttemptStage.Chain rest = attempts;
      attempts = attempt -> stage.handle(attempt, rest);
    }
    AttemptStage.Chain attemptChain = attempts;
    Stage.Chain chain = request -> routing.route(request, attemptChain);
    for (Stage stage : requestStages.reversed()) {
      Stage.Chain rest = chain;
      chain = request -> stage.handle(request, rest);
    }
    this.requests = chain;
  }

  public Outcome run(Request request) {
    return requests.proceed(request);
  }
}
