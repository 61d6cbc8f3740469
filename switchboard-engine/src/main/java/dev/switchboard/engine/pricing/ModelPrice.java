package dev.switchboard.engine.pricing;

import java.math.BigDecimal;

/**
 * What one model costs, in US dollars per million tokens.
 *
 * @param input a prompt token not read from the provider's prompt cache
 * @param output a completion token (reasoning tokens included, as providers bill them); {@code
 *     null} for a model that writes none (embeddings)
 * @param cachedInput a prompt token read from the provider's prompt cache; {@code null}: billed as
 *     {@code input}
 * @param cacheWrite a prompt token written to the provider's prompt cache (Anthropic, Bedrock);
 *     {@code null}: billed as {@code input}
 */
public record ModelPrice(
    BigDecimal input, BigDecimal output, BigDecimal cachedInput, BigDecimal cacheWrite) {

  /**
   * A model the operator runs at no charge per token (a local model): every answer costs $0, so no
   * dollar budget holds it back (a token budget still does). A price file says {@code free: true}.
   */
  public static final ModelPrice FREE =
      new ModelPrice(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

  public ModelPrice {
    if (input == null) {
      throw new IllegalArgumentException("input price is required");
    }
    for (BigDecimal price : new BigDecimal[] {input, output, cachedInput, cacheWrite}) {
      if (price != null && price.signum() < 0) {
        throw new IllegalArgumentException("prices must not be negative");
      }
    }
  }

  /**
   * The cost of these tokens in US dollars, exactly; {@code null} when it cannot be told (output
   * tokens and no output price).
   */
  BigDecimal cost(TokenCounts tokens) {
    if (tokens.output() > 0 && output == null) {
      return null;
    }
    BigDecimal perMillion =
        input
            .multiply(BigDecimal.valueOf(tokens.uncachedInput()))
            .add(orInput(cachedInput).multiply(BigDecimal.valueOf(tokens.cachedInput())))
            .add(orInput(cacheWrite).multiply(BigDecimal.valueOf(tokens.cacheWrite())))
            .add(
                output == null
                    ? BigDecimal.ZERO
                    : output.multiply(BigDecimal.valueOf(tokens.output())));
    return perMillion.movePointLeft(6);
  }

  private BigDecimal orInput(BigDecimal price) {
    return price != null ? price : input;
  }
}
