package dev.switchboard.engine.pricing;

import java.math.BigDecimal;

/**
 * A model's price prepared once for pricing many answers: its four prices as whole numbers at one
 * common scale, so that an answer's cost is four multiplications of {@code long}s instead of {@link
 * BigDecimal} arithmetic per answer (issue 18, docs/benchmarks.md).
 *
 * <p>The cost is the very {@link BigDecimal} {@link ModelPrice#cost} gives, value and scale: that
 * sum's scale is the largest of its four terms', each term's the price's (a token count has scale
 * 0), and its unscaled value is the sum of the prices' at that scale times their counts; then the
 * point moves six places left (per million tokens). A price that does not fit, or a sum that would
 * overflow a {@code long}, is priced by {@link ModelPrice#cost} itself.
 */
final class PreparedPrice {
  private final ModelPrice price;
  // The common scale and the prices at it; exact is false when they do not fit in a long.
  private final boolean exact;
  private final int scale;
  private final long input;
  private final long cachedInput;
  private final long cacheWrite;
  private final long output;

  PreparedPrice(ModelPrice price) {
    this.price = price;
    BigDecimal cachedPrice = orInput(price.cachedInput(), price);
    BigDecimal writePrice = orInput(price.cacheWrite(), price);
    // ModelPrice.cost adds BigDecimal.ZERO (scale 0) for a model without an output price.
    BigDecimal outputPrice = price.output() == null ? BigDecimal.ZERO : price.output();
    int common =
        Math.max(
            Math.max(price.input().scale(), cachedPrice.scale()),
            Math.max(writePrice.scale(), outputPrice.scale()));
    long[] unscaled = new long[4];
    boolean fits = common >= 0;
    BigDecimal[] prices = {price.input(), cachedPrice, writePrice, outputPrice};
    for (int i = 0; fits && i < prices.length; i++) {
      try {
        unscaled[i] = prices[i].setScale(common).unscaledValue().longValueExact();
      } catch (ArithmeticException tooLarge) {
        fits = false;
      }
    }
    this.exact = fits;
    this.scale = common;
    this.input = unscaled[0];
    this.cachedInput = unscaled[1];
    this.cacheWrite = unscaled[2];
    this.output = unscaled[3];
  }

  ModelPrice price() {
    return price;
  }

  /** As {@link ModelPrice#cost}: the same figure, computed in {@code long}s where it fits. */
  BigDecimal cost(TokenCounts tokens) {
    if (!exact) {
      return price.cost(tokens);
    }
    if (tokens.output() > 0 && price.output() == null) {
      return null;
    }
    try {
      long perMillion =
          Math.addExact(
              Math.addExact(
                  Math.multiplyExact(input, tokens.uncachedInput()),
                  Math.multiplyExact(cachedInput, tokens.cachedInput())),
              Math.addExact(
                  Math.multiplyExact(cacheWrite, tokens.cacheWrite()),
                  Math.multiplyExact(output, tokens.output())));
      return BigDecimal.valueOf(perMillion, scale + 6);
    } catch (ArithmeticException overflow) {
      return price.cost(tokens);
    }
  }

  private static BigDecimal orInput(BigDecimal price, ModelPrice model) {
    return price != null ? price : model.input();
  }
}
