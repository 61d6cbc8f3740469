package dev.switchboard.engine.pipeline;

/**
 * The token counts read from a passed-through answer once its body was read to the end, or from an
 * Anthropic Messages stream's {@code message_start} and {@code message_delta} (see {@link
 * PricingStage}), for the request's record.
 *
 * @param model the model the answer names, or {@code null}
 * @param promptTokens {@code prompt_tokens} or {@code input_tokens} (Anthropic's leaves its cache
 *     reads and writes out, as for {@code /v1/messages})
 * @param completionTokens {@code completion_tokens} or {@code output_tokens}; {@code null} where
 *     the answer writes none (embeddings)
 * @param cachedTokens of the prompt, those read from the provider's prompt cache, or {@code null}
 */
public record PassThroughUsage(
    String model, Integer promptTokens, Integer completionTokens, Integer cachedTokens) {}
