package dev.switchboard.transport;

import dev.switchboard.wire.ChatCompletion;

/**
 * A complete chat answer and what the gateway did to get it.
 *
 * @param body the answer, as OpenAI's wire format has it
 * @param facts provider, target path, retries, cache status, cost, request and trace ids
 */
public record GatewayReply(ChatCompletion body, GatewayFacts facts) {}
