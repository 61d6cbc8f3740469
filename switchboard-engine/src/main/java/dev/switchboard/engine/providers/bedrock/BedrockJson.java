package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;

/**
 * Bedrock's JSON bodies and event payloads. Garbled bytes are a {@link WireFormatException}, as
 * {@link WireJson} reads them (the fuzz target found payloads Jackson took for UTF-32).
 */
final class BedrockJson {
  private BedrockJson() {}

  /**
   * The JSON tree of {@code bytes}; a missing node for an empty body.
   *
   * @throws WireFormatException when the bytes are not JSON
   */
  static JsonNode parse(byte[] bytes) {
    JsonNode tree = WireJson.tree(bytes);
    return tree == null ? MissingNode.getInstance() : tree;
  }
}
