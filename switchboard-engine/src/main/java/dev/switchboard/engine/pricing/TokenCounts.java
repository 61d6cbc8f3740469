package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;

/**
 * The tokens of one answer as they are billed: prompt tokens by how the provider's prompt cache
 * treated them, and completion tokens.
 */
record TokenCounts(long uncachedInput, long cachedInput, long cacheWrite, long output) {

  /**
   * The billed tokens of an OpenAI-format usage, or {@code null} when it has no counts or they do
   * not add up.
   *
   * <p>OpenAI's {@code prompt_tokens} counts the cached tokens ({@code
   * prompt_tokens_details.cached_tokens}) and so does the Bedrock translation (cache reads and
   * writes, the writes under {@code cache_creation_input_tokens}). Anthropic's translation, as
   * Portkey's, keeps Anthropic's {@code input_tokens} as {@code prompt_tokens}, without the cache
   * reads and writes, and adds them to {@code total_tokens} only. The usage tells which: when the
   * total is the prompt, the completion, the reads and the writes added up (and there are reads or
   * writes), the prompt left them out.
   */
  static TokenCounts of(Usage usage) {
    if (usage == null || (usage.promptTokens() == null && usage.completionTokens() == null)) {
      return null;
    }
    long prompt = orZero(usage.promptTokens());
    long completion = orZero(usage.completionTokens());
    long read =
        usage.promptTokensDetails() == null
            ? 0
            : orZero(usage.promptTokensDetails().cachedTokens());
    JsonNode written = usage.extras().get("cache_creation_input_tokens");
    long write = written == null ? 0 : written.asLong(0);
    boolean promptLeavesCacheOut =
        read + write > 0
            && usage.totalTokens() != null
            && usage.totalTokens() == prompt + completion + read + write;
    long uncached = promptLeavesCacheOut ? prompt : prompt - read - write;
    if (uncached < 0 || completion < 0 || read < 0 || write < 0) {
      return null;
    }
    return new TokenCounts(uncached, read, write, completion);
  }

  /**
   * The billed tokens of a usage in Anthropic's Messages format ({@code input_tokens}, which leaves
   * the cache out, {@code cache_read_input_tokens}, {@code cache_creation_input_tokens}, {@code
   * output_tokens}), or {@code null} when it has none.
   */
  static TokenCounts ofAnthropic(JsonNode usage) {
    if (usage == null || !usage.isObject() || !usage.has("input_tokens")) {
      return null;
    }
    long input = usage.path("input_tokens").asLong(0);
    long read = usage.path("cache_read_input_tokens").asLong(0);
    long write = usage.path("cache_creation_input_tokens").asLong(0);
    long output = usage.path("output_tokens").asLong(0);
    if (input < 0 || read < 0 || write < 0 || output < 0) {
      return null;
    }
    return new TokenCounts(input, read, write, output);
  }

  /**
   * The billed tokens of a passed-through answer's usage, in whichever format it is written, or
   * {@code null} when it has no counts: OpenAI's chat, completions and embeddings ({@code
   * prompt_tokens}), Anthropic's Messages (cache reads and writes apart from {@code input_tokens}),
   * or the Responses API's, whose {@code input_tokens} count the cached ones ({@code
   * input_tokens_details.cached_tokens}) as OpenAI's {@code prompt_tokens} do.
   */
  static TokenCounts ofAnswer(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    if (usage.has("prompt_tokens")) {
      try {
        return of(WireJson.convert(usage, Usage.class));
      } catch (RuntimeException notAUsage) {
        return null;
      }
    }
    if (usage.has("cache_read_input_tokens") || usage.has("cache_creation_input_tokens")) {
      return ofAnthropic(usage);
    }
    if (!usage.has("input_tokens")) {
      return null;
    }
    long input = usage.path("input_tokens").asLong(0);
    long cached = usage.path("input_tokens_details").path("cached_tokens").asLong(0);
    long output = usage.path("output_tokens").asLong(0);
    if (cached < 0 || cached > input || output < 0) {
      return null;
    }
    return new TokenCounts(input - cached, cached, 0, output);
  }

  private static long orZero(Integer count) {
    return count == null ? 0 : count;
  }
}
