package dev.switchboard.access.keys;

import dev.switchboard.access.Budget;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.McpCallLimits;
import dev.switchboard.access.Period;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The rule that a key may mint or change only keys no wider than itself: what the child reaches is
 * within what the parent reaches, its limits are no higher, it expires no later. A {@code null}
 * scope or limit means any or unlimited, so a child may have one only where the parent does. Each
 * check returns what makes the child wider (for the 403's message), or {@code null}.
 */
public final class NeverWider {
  private NeverWider() {}

  /** What in {@code child} reaches further than {@code parent}, or {@code null}. */
  public static String scopes(KeyScopes child, KeyScopes parent) {
    if (!parent.permissions().containsAll(child.permissions())) {
      return "permissions";
    }
    if (!within(child.providers(), parent.providers())) {
      return "providers";
    }
    if (!within(child.models(), parent.models())) {
      return "models";
    }
    if (!within(child.configs(), parent.configs())) {
      return "configs";
    }
    if (!within(child.virtualKeys(), parent.virtualKeys())) {
      return "virtual_keys";
    }
    if (!within(child.mcp(), parent.mcp())) {
      return "mcp";
    }
    return null;
  }

  /** Which of {@code child}'s limits is higher (or missing) where {@code parent} has one. */
  public static String limits(Limits child, Limits parent) {
    if (!atMost(child.requestsPerMinute(), parent.requestsPerMinute())) {
      return "requests_per_minute";
    }
    if (!atMost(child.tokensPerMinute(), parent.tokensPerMinute())) {
      return "tokens_per_minute";
    }
    Budget parentBudget = parent.budget();
    if (parentBudget == null) {
      return null;
    }
    Budget childBudget = child.budget();
    if (childBudget == null) {
      return "budget";
    }
    // The same amount over a longer period is more; over a different shorter one, more in sum.
    // Only the parent's period, or a budget that never renews, is comparable.
    if (childBudget.period() != parentBudget.period() && childBudget.period() != Period.NEVER) {
      return "budget.period";
    }
    if (!atMost(childBudget.costUsd(), parentBudget.costUsd())) {
      return "budget.cost_usd";
    }
    if (!atMost(childBudget.tokens(), parentBudget.tokens())) {
      return "budget.tokens";
    }
    return null;
  }

  /**
   * Which of a child key's MCP call limits is higher (or missing) where the parent key has one:
   * {@code mcp.calls_per_minute}, or {@code mcp.servers.<name>}; {@code null} when none is. Keys
   * only: a virtual key never holds these, so it is never wider for lacking them.
   */
  public static String mcpCallLimits(McpCallLimits child, McpCallLimits parent) {
    if (parent == null) {
      return null;
    }
    if (!atMost(child == null ? null : child.callsPerMinute(), parent.callsPerMinute())) {
      return "mcp.calls_per_minute";
    }
    for (Map.Entry<String, Long> server : parent.servers().entrySet()) {
      if (!atMost(child == null ? null : child.perServer(server.getKey()), server.getValue())) {
        return "mcp.servers." + server.getKey();
      }
    }
    return null;
  }

  /** Whether a key expiring at {@code child} outlives one expiring at {@code parent}. */
  public static boolean expiresLater(Instant child, Instant parent) {
    return parent != null && (child == null || child.isAfter(parent));
  }

  private static boolean within(Set<String> child, Set<String> parent) {
    return parent == null || (child != null && parent.containsAll(child));
  }

  private static boolean atMost(Long child, Long parent) {
    return parent == null || (child != null && child <= parent);
  }

  private static boolean atMost(BigDecimal child, BigDecimal parent) {
    return parent == null || (child != null && child.compareTo(parent) <= 0);
  }
}
