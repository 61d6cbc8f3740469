/**
 * The OpenAI-format wire model that every Switchboard surface speaks: chat, legacy completions,
 * embeddings and models, as immutable records.
 *
 * <p>Every record keeps the JSON fields it does not model in an {@code extras} map, so a field a
 * client sends that this model does not know yet is forwarded, never dropped. Variants (message
 * roles, content parts, tool choice forms) are sealed interfaces, matched with exhaustive {@code
 * switch}. This package depends on Jackson only.
 */
package dev.switchboard.wire;
