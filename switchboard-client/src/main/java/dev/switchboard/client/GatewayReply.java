package dev.switchboard.client;

/**
 * An answer from the gateway and what the gateway says about it.
 *
 * @param body the answer, as the OpenAI SDK parsed it
 * @param facts the gateway's facts: provider, target path, retries, cache status, cost, ids
 */
public record GatewayReply<T>(T body, GatewayFacts facts) {}
