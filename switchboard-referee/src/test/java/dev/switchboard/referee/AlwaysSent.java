package dev.switchboard.referee;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields a provider always sends, by name: what its API reference shows on every answer, where
 * its SDK's model marks few or none as required (Google's GenAI SDK and the AWS SDK read every
 * member as optional, so a fake that left one out would pass them).
 */
final class AlwaysSent {
  private AlwaysSent() {}

  /**
   * A finding for each of {@code pointers} (JSON pointers, {@code /output/message/role}) that is
   * missing or null in {@code json}, named under {@code at}.
   */
  static List<String> missing(JsonNode json, String at, String... pointers) {
    List<String> findings = new ArrayList<>();
    for (String pointer : pointers) {
      JsonNode value = json.at(pointer);
      if (value.isMissingNode() || value.isNull()) {
        findings.add(
            at + pointer.replace('/', '.') + ": missing, and the provider always sends it");
      }
    }
    return findings;
  }
}
