package dev.switchboard.state.prompts;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A prompt rendered for one request: which version, and the chat request it gives.
 *
 * @param id the prompt's id
 * @param version the version rendered (a label resolved to its version)
 * @param body the chat completion request: the version's model and parameters, its messages
 *     rendered, then the request's own fields over them
 * @param config the version's routing config as {@code x-portkey-config} carries it, or {@code
 *     null}
 */
public record RenderedPrompt(String id, int version, ObjectNode body, String config) {}
