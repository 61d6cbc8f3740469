package dev.switchboard.engine.pipeline;

import java.util.List;

/**
 * The hooks in force for one upstream attempt, carried by its {@link Attempt}: the target's own or
 * inherited ones (the routing stage resolves them along the config tree, as Portkey does) and the
 * config's {@code strict_open_ai_compliance}.
 *
 * @param strictOpenAiCompliance the config's setting, or {@code null} when it sets none
 */
public record GuardrailPlan(List<Hook> before, List<Hook> after, Boolean strictOpenAiCompliance) {
  public static final GuardrailPlan NONE = new GuardrailPlan(List.of(), List.of(), null);

  public GuardrailPlan {
    before = List.copyOf(before);
    after = List.copyOf(after);
  }
}
