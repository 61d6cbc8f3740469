package dev.switchboard.wire;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads one variant of a sealed family told apart by a field ({@code role}, {@code type}). The
 * variant records write that field back themselves, so it is taken out before the record reads the
 * rest (else it would land in the record's extras and be written twice).
 */
final class Discriminator {
  private Discriminator() {}

  static <T> T readVariant(
      TreeReader trees,
      DeserializationContext context,
      ObjectNode object,
      String field,
      Class<T> variant)
      throws IOException {
    ObjectNode rest = object.objectNode();
    rest.setAll(object);
    rest.remove(field);
    return trees.readValue(rest, variant, context);
  }
}
