package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.engine.pipeline.Hook;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToolPoliciesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ToolPolicies parse(String json) throws Exception {
    return McpSettings.parse(JSON.readTree(json), (key, value) -> Duration.ofMinutes(1)).policies();
  }

  private static List<String> ids(List<Hook> hooks) {
    return hooks.stream().map(Hook::id).toList();
  }

  private static final String SETTINGS =
      """
      {"guardrails": {"input_guardrails": [{"id": "everywhere", "switchboard.pii": {}}]},
       "servers": {
         "docs": {"url": "https://mcp.example.com/mcp",
                  "guardrails": {"output-guardrails": [{"id": "docs-out", "deny": true,
                                                        "default.contains": {"words": ["x"],
                                                                             "operator": "none"}}]},
                  "rate-limit": {"per-key": 60, "total": "600"},
                  "tools": {"search": {"guardrails": {"input_guardrails": []},
                                       "rate-limit": {"per-key": 5}}}},
         "plain": {"command": "true"}}}
      """;

  @Test
  void aToolInheritsEachSideOfItsServersHooksUnlessItSetsItsOwn() throws Exception {
    ToolPolicies policies = parse(SETTINGS);
    ToolPolicies.Policy fetch = policies.of("docs", "fetch", "k1");
    assertThat(ids(fetch.input())).containsExactly("everywhere");
    assertThat(ids(fetch.output())).containsExactly("docs-out");
    assertThat(fetch.output().getFirst().deny()).isTrue();
    ToolPolicies.Policy search = policies.of("docs", "search", "k1");
    assertThat(search.input()).isEmpty();
    assertThat(ids(search.output())).containsExactly("docs-out");
    ToolPolicies.Policy plain = policies.of("plain", "anything", null);
    assertThat(ids(plain.input())).containsExactly("everywhere");
    assertThat(plain.output()).isEmpty();
    assertThat(plain.limits()).isEmpty();
    assertThat(policies.guardsCalls()).isTrue();
    assertThat(policies.limitsCalls()).isTrue();
  }

  @Test
  void aCallIsHeldToItsToolsLimitsAndItsServersPerKeyAndInTotal() throws Exception {
    ToolPolicies policies = parse(SETTINGS);
    assertThat(policies.of("docs", "search", "k1").limits())
        .containsExactly(
            new ToolCallLimiter.Limit("docs__search for key k1", 5),
            new ToolCallLimiter.Limit("docs for key k1", 60),
            new ToolCallLimiter.Limit("docs", 600));
    // A caller without a key is held to the totals only.
    assertThat(policies.of("docs", "search", null).limits())
        .containsExactly(new ToolCallLimiter.Limit("docs", 600));
  }

  @Test
  void settingsWithoutGuardrailsOrLimitsAreNone() throws Exception {
    ToolPolicies policies =
        parse("{\"servers\": {\"docs\": {\"url\": \"https://x.example/mcp\"}}}");
    assertThat(policies).isEqualTo(ToolPolicies.NONE);
    assertThat(policies.limitsCalls()).isFalse();
    assertThat(policies.guardsCalls()).isFalse();
  }

  @Test
  void wrongSettingsAreRefusedByName() {
    assertThatThrownBy(() ->
            parse(
                "{\"servers\": {\"docs\": {\"url\": \"https://x.example/mcp\","
                    + " \"rate-limit\": {\"per-minute\": 5}}}}"))
        .hasMessage("unknown setting: mcp.servers.docs.rate-limit.per-minute");
    assertThatThrownBy(() ->
            parse(
                "{\"servers\": {\"docs\": {\"url\": \"https://x.example/mcp\","
                    + " \"rate-limit\": {\"total\": -1}}}}"))
        .hasMessageContaining("mcp.servers.docs.rate-limit.total must be a whole number");
    assertThatThrownBy(() ->
            parse(
                "{\"servers\": {\"docs\": {\"url\": \"https://x.example/mcp\","
                    + " \"guardrails\": {\"input_guardrails\": [{\"nosuch.check\": {}}]}}}}"))
        .hasMessageContaining("nosuch.check");
    assertThatThrownBy(() ->
            parse(
                "{\"servers\": {\"docs\": {\"url\": \"https://x.example/mcp\","
                    + " \"tools\": {\"search\": {\"timeout\": \"1s\"}}}}}"))
        .hasMessage("unknown setting: mcp.servers.docs.tools.search.timeout");
    assertThatThrownBy(() -> parse("{\"guardrails\": {\"input\": []}}"))
        .hasMessageContaining("unknown setting: mcp.guardrails.input");
  }
}
