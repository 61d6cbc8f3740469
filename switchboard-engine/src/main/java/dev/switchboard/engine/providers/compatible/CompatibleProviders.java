package dev.switchboard.engine.providers.compatible;

import static dev.switchboard.engine.providers.compatible.ChatQuirk.DEVELOPER_AS_SYSTEM;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.MAX_COMPLETION_TOKENS_AS_MAX_TOKENS;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.MISTRAL_TOOL_CALL_IDS;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.MISTRAL_TOOL_CHOICE;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.OPENROUTER_USAGE;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.drop;
import static dev.switchboard.engine.providers.compatible.ChatQuirk.rename;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.openai.OpenAiDialect;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI-compatible family: providers that speak OpenAI's format, each under its own name with
 * its own base URL and quirks, as Portkey's gateway has them ({@code src/providers/<name>/api.ts}
 * for the URL, {@code chatComplete.ts} for the fields). One table; each row becomes an {@link
 * OpenAiProvider}.
 */
public final class CompatibleProviders {

  /** How a member takes its credential. */
  public enum Auth {
    /** {@code Authorization: Bearer <key>}, when a key is given. */
    BEARER,
    /** Nothing: a local server without keys (Ollama). */
    NONE
  }

  /**
   * One member of the family.
   *
   * @param name the {@code x-portkey-provider} value
   * @param baseUrl Portkey's base URL for it; the {@code providers.<name>.base-url} setting or a
   *     request's custom host replaces it
   * @param pathPrefix what comes between the base URL and OpenAI's endpoint path ({@code
   *     /chat/completions}), e.g. {@code /v1} when the base URL stops at the host
   * @param completions whether it serves {@code /v1/completions}
   * @param embeddings whether it serves {@code /v1/embeddings}
   * @param models whether it serves {@code /v1/models}
   * @param tools whether tools reach it (Perplexity takes none)
   */
  public record Member(
      String name,
      URI baseUrl,
      String pathPrefix,
      Auth auth,
      boolean completions,
      boolean embeddings,
      boolean models,
      boolean tools,
      List<ChatQuirk> quirks) {

    /** What it serves: chat and streams always, the rest as the row says. */
    public Capabilities capabilities() {
      Capabilities capabilities = Capabilities.chatWithTools().withJsonSchema().withPassThrough();
      if (!tools) {
        capabilities =
            new Capabilities(
                true, true, false, true, true, false, false, false, true, false, false);
      }
      if (completions) {
        capabilities = capabilities.withCompletions();
      }
      if (embeddings) {
        capabilities = capabilities.withEmbeddings();
      }
      if (models) {
        capabilities = capabilities.withModels();
      }
      return capabilities;
    }
  }

  private static final List<String> OPENAI_ONLY =
      List.of("store", "metadata", "service_tier", "modalities", "audio", "prediction");

  /** The family, as Portkey names and addresses its members. */
  public static final List<Member> FAMILY =
      List.of(
          member(
              "groq",
              "https://api.groq.com/openai/v1",
              "",
              false,
              false,
              // https://console.groq.com/docs/openai: these are not supported
              DEVELOPER_AS_SYSTEM,
              drop("logprobs", "logit_bias", "top_logprobs")),
          member(
              "mistral-ai",
              "https://api.mistral.ai/v1",
              "",
              false,
              true,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS,
              rename("seed", "random_seed"),
              MISTRAL_TOOL_CHOICE,
              MISTRAL_TOOL_CALL_IDS,
              dropWithOpenAiOnly(
                  "stream_options",
                  "user",
                  "logit_bias",
                  "logprobs",
                  "top_logprobs",
                  "reasoning_effort",
                  "web_search_options")),
          member(
              "deepseek",
              "https://api.deepseek.com",
              "/v1",
              false,
              false,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS,
              dropWithOpenAiOnly(
                  "n",
                  "seed",
                  "logit_bias",
                  "user",
                  "parallel_tool_calls",
                  "reasoning_effort",
                  "web_search_options")),
          member(
              "together-ai",
              "https://api.together.xyz",
              "/v1",
              true,
              true,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS),
          member(
              "fireworks-ai",
              "https://api.fireworks.ai/inference/v1",
              "",
              true,
              true,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS),
          member(
              "openrouter",
              "https://openrouter.ai/api",
              "/v1",
              false,
              false,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS,
              OPENROUTER_USAGE),
          new Member(
              "perplexity-ai",
              URI.create("https://api.perplexity.ai"),
              "",
              Auth.BEARER,
              false,
              false,
              false,
              false,
              List.of(
                  DEVELOPER_AS_SYSTEM,
                  MAX_COMPLETION_TOKENS_AS_MAX_TOKENS,
                  dropWithOpenAiOnly(
                      "tools",
                      "tool_choice",
                      "parallel_tool_calls",
                      "stop",
                      "seed",
                      "logit_bias",
                      "logprobs",
                      "top_logprobs",
                      "user",
                      "stream_options",
                      "reasoning_effort"))),
          member("x-ai", "https://api.x.ai/v1", "", true, true, DEVELOPER_AS_SYSTEM),
          member(
              "cerebras",
              "https://api.cerebras.ai/v1",
              "",
              false,
              false,
              DEVELOPER_AS_SYSTEM,
              drop(
                  "frequency_penalty",
                  "logit_bias",
                  "logprobs",
                  "presence_penalty",
                  "parallel_tool_calls",
                  "service_tier")),
          member(
              "sambanova",
              "https://api.sambanova.ai",
              "/v1",
              false,
              false,
              DEVELOPER_AS_SYSTEM,
              drop(
                  "functions",
                  "function_call",
                  "presence_penalty",
                  "frequency_penalty",
                  "logit_bias",
                  "user",
                  "seed",
                  "logprobs")),
          member("nebius", "https://api.studio.nebius.ai/v1", "", true, true, DEVELOPER_AS_SYSTEM),
          member(
              "deepinfra",
              "https://api.deepinfra.com/v1/openai",
              "",
              false,
              false,
              DEVELOPER_AS_SYSTEM,
              MAX_COMPLETION_TOKENS_AS_MAX_TOKENS),
          new Member(
              "ollama",
              URI.create("http://localhost:11434"),
              "/v1",
              Auth.NONE,
              true,
              true,
              true,
              true,
              List.of(DEVELOPER_AS_SYSTEM, MAX_COMPLETION_TOKENS_AS_MAX_TOKENS)),
          // Not a Portkey provider: LM Studio's local server (https://lmstudio.ai/docs/app/api).
          member("lm-studio", "http://localhost:1234", "/v1", true, true),
          member(
              "hyperbolic", "https://api.hyperbolic.xyz", "/v1", false, false, DEVELOPER_AS_SYSTEM),
          member("lambda", "https://api.lambdalabs.com/v1", "", true, false, DEVELOPER_AS_SYSTEM),
          member("moonshot", "https://api.moonshot.cn", "/v1", false, false, DEVELOPER_AS_SYSTEM),
          member(
              "nscale",
              "https://inference.api.nscale.com/v1",
              "",
              false,
              false,
              DEVELOPER_AS_SYSTEM),
          member(
              "featherless-ai",
              "https://api.featherless.ai/v1",
              "",
              true,
              false,
              DEVELOPER_AS_SYSTEM),
          member(
              "siliconflow", "https://api.siliconflow.cn/v1", "", false, true, DEVELOPER_AS_SYSTEM),
          member(
              "upstage", "https://api.upstage.ai/v1/solar", "", false, true, DEVELOPER_AS_SYSTEM),
          member(
              "inference-net",
              "https://api.inference.net/v1",
              "",
              false,
              false,
              DEVELOPER_AS_SYSTEM));

  private CompatibleProviders() {}

  private static Member member(
      String name,
      String baseUrl,
      String pathPrefix,
      boolean completions,
      boolean embeddings,
      ChatQuirk... quirks) {
    return new Member(
        name,
        URI.create(baseUrl),
        pathPrefix,
        Auth.BEARER,
        completions,
        embeddings,
        true,
        true,
        List.of(quirks));
  }

  private static ChatQuirk dropWithOpenAiOnly(String... fields) {
    List<String> all = new ArrayList<>(OPENAI_ONLY);
    all.addAll(List.of(fields));
    return drop(all.toArray(String[]::new));
  }

  /**
   * Every member as a provider, at its own base URL or at the {@code providers.<name>.base-url}
   * setting that replaces it.
   */
  public static final ProviderFactory FACTORY =
      context ->
          FAMILY.stream()
              .map(member ->
                  OpenAiProvider.forDialect(
                      member.name(),
                      new Dialect(member, context.baseUrl(member.name(), member.baseUrl())),
                      member.capabilities(),
                      context))
              .toList();

  /** A member's URLs, credential and quirks. */
  private record Dialect(Member member, URI baseUrl) implements OpenAiDialect {
    @Override
    public URI url(Target target, String endpoint, String query) {
      String base = target.customHost() != null ? target.customHost() : baseUrl.toString();
      if (base.endsWith("/")) {
        base = base.substring(0, base.length() - 1);
      }
      return OpenAiDialect.join(base + member.pathPrefix(), endpoint, query);
    }

    @Override
    public void authenticate(Target target, List<Map.Entry<String, String>> headers) {
      if (member.auth() == Auth.BEARER) {
        OpenAiDialect.bearer(target, headers);
      }
    }

    @Override
    public boolean rewritesChat() {
      return !member.quirks().isEmpty();
    }

    @Override
    public ObjectNode chatBody(ObjectNode body) {
      ChatQuirk.all(member.quirks()).apply(body);
      return body;
    }
  }
}
