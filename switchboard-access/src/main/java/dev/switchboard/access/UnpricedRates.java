package dev.switchboard.access;

import dev.switchboard.engine.pricing.ModelPrice;
import java.math.BigDecimal;

/**
 * What a dollar budget assumes for a request whose cost the price table cannot tell.
 *
 * <p>A model without a price is reserved and charged by its tokens at a conservative price: a local
 * model's calls with a small {@code max_tokens} reserve fractions of a cent, so many fit a small
 * budget at once, and an unknown paid model is still held to it. The defaults, $5 a million prompt
 * tokens and $25 a million completion tokens, are the flagship tier's list prices (Claude Opus 4.5)
 * and at least those of nearly nine in ten models in the shipped table; a request that names no cap
 * (4096 completion tokens) then reserves about $0.10 and its prompt.
 *
 * @param inputUsdPerMillion what an unpriced model's prompt tokens are reckoned at, per million
 * @param outputUsdPerMillion what its completion tokens are reckoned at, per million
 * @param requestUsd what a request whose tokens cannot be counted (a passed-through body that is
 *     not JSON, or none) reserves
 */
public record UnpricedRates(
    BigDecimal inputUsdPerMillion, BigDecimal outputUsdPerMillion, BigDecimal requestUsd) {

  public static final UnpricedRates DEFAULTS =
      new UnpricedRates(new BigDecimal("5.00"), new BigDecimal("25.00"), new BigDecimal("0.10"));

  public UnpricedRates {
    inputUsdPerMillion =
        inputUsdPerMillion == null ? DEFAULTS.inputUsdPerMillion : inputUsdPerMillion;
    outputUsdPerMillion =
        outputUsdPerMillion == null ? DEFAULTS.outputUsdPerMillion : outputUsdPerMillion;
    requestUsd = requestUsd == null ? DEFAULTS.requestUsd : requestUsd;
    if (inputUsdPerMillion.signum() < 0) {
      throw new IllegalArgumentException(
          "access.unpriced-input-usd-per-million must not be negative");
    }
    if (outputUsdPerMillion.signum() < 0) {
      throw new IllegalArgumentException(
          "access.unpriced-output-usd-per-million must not be negative");
    }
    if (requestUsd.signum() < 0) {
      throw new IllegalArgumentException("access.unpriced-estimate-usd must not be negative");
    }
  }

  /** The conservative price, as a model's price. */
  public ModelPrice price() {
    return new ModelPrice(inputUsdPerMillion, outputUsdPerMillion, null, null);
  }
}
