package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;

/**
 * Bedrock's JSON bodies and event payloads, which AWS sends as UTF-8. They are decoded as UTF-8
 * before parsing: Jackson guessing the encoding from raw bytes takes some garbled payloads for
 * UTF-32 and fails with an I/O error instead of a format error (found by the fuzz target).
 */
final class BedrockJson {
  private BedrockJson() {}

  /**
   * The JSON tree of {@code bytes}; a missing node for an empty body.
   *
   * @throws WireFormatException when the bytes are not JSON
   */
  static JsonNode parse(byte[] bytes) {
    JsonNode tree = WireJson.tree(new String(bytes, StandardCharsets.UTF_8));
    return tree == null ? MissingNode.getInstance() : tree;
  }
}
