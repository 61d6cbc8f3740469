package dev.switchboard.engine.providers.compatible;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The family's table: each member's chat URL is the one Portkey's gateway calls. */
class CompatibleProvidersTest {

  /** Portkey's getBaseURL + getEndpoint('chatComplete'), from each {@code api.ts}. */
  static final Map<String, String> PORTKEY_CHAT_URLS =
      Map.ofEntries(
          Map.entry("groq", "https://api.groq.com/openai/v1/chat/completions"),
          Map.entry("mistral-ai", "https://api.mistral.ai/v1/chat/completions"),
          Map.entry("deepseek", "https://api.deepseek.com/v1/chat/completions"),
          Map.entry("together-ai", "https://api.together.xyz/v1/chat/completions"),
          Map.entry("fireworks-ai", "https://api.fireworks.ai/inference/v1/chat/completions"),
          Map.entry("openrouter", "https://openrouter.ai/api/v1/chat/completions"),
          Map.entry("perplexity-ai", "https://api.perplexity.ai/chat/completions"),
          Map.entry("x-ai", "https://api.x.ai/v1/chat/completions"),
          Map.entry("cerebras", "https://api.cerebras.ai/v1/chat/completions"),
          Map.entry("sambanova", "https://api.sambanova.ai/v1/chat/completions"),
          Map.entry("nebius", "https://api.studio.nebius.ai/v1/chat/completions"),
          Map.entry("deepinfra", "https://api.deepinfra.com/v1/openai/chat/completions"),
          Map.entry("ollama", "http://localhost:11434/v1/chat/completions"),
          Map.entry("lm-studio", "http://localhost:1234/v1/chat/completions"),
          Map.entry("hyperbolic", "https://api.hyperbolic.xyz/v1/chat/completions"),
          Map.entry("lambda", "https://api.lambdalabs.com/v1/chat/completions"),
          Map.entry("moonshot", "https://api.moonshot.cn/v1/chat/completions"),
          Map.entry("nscale", "https://inference.api.nscale.com/v1/chat/completions"),
          Map.entry("featherless-ai", "https://api.featherless.ai/v1/chat/completions"),
          Map.entry("siliconflow", "https://api.siliconflow.cn/v1/chat/completions"),
          Map.entry("upstage", "https://api.upstage.ai/v1/solar/chat/completions"),
          Map.entry("inference-net", "https://api.inference.net/v1/chat/completions"));

  @Test
  void everyMembersChatUrlIsPortkeys() {
    Map<String, String> urls = new LinkedHashMap<>();
    for (CompatibleProviders.Member member : CompatibleProviders.FAMILY) {
      urls.put(member.name(), member.baseUrl() + member.pathPrefix() + "/chat/completions");
    }
    assertThat(urls).containsExactlyInAnyOrderEntriesOf(PORTKEY_CHAT_URLS);
  }

  @Test
  void mistralIdsAreNineAlphanumericsStableForTheSameId() {
    String mapped = ChatQuirk.MistralIds.of("toolu_01A09q90qw90lq917835lq9");
    assertThat(mapped).matches("[A-Za-z0-9]{9}");
    assertThat(ChatQuirk.MistralIds.of("toolu_01A09q90qw90lq917835lq9")).isEqualTo(mapped);
    assertThat(ChatQuirk.MistralIds.of("call_other")).isNotEqualTo(mapped);
    assertThat(ChatQuirk.MistralIds.of("abcDEF123")).isEqualTo("abcDEF123");
  }

  @Test
  void renamingKeepsAFieldTheClientSetUnderTheNewName() {
    ObjectNode body =
        (ObjectNode) WireJson.tree("{\"max_completion_tokens\":10,\"max_tokens\":20}");
    ChatQuirk.MAX_COMPLETION_TOKENS_AS_MAX_TOKENS.apply(body);
    assertThat(body.toString()).isEqualTo("{\"max_tokens\":20}");
  }
}
