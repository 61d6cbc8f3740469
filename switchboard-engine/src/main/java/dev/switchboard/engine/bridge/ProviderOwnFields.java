package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Request fields that belong to the provider the attempt goes to rather than to the agent API, and
 * so are carried to the chat request as they are: the {@code mock} provider's {@code mock_script}
 * (what a config's {@code override_params} sets to script the offline provider), which the mock
 * reads from the chat request it receives. For any other provider the field is the API's unknown
 * field, treated as the API's translation treats one.
 */
final class ProviderOwnFields {
  private static final String MOCK = "mock";
  private static final String MOCK_SCRIPT = "mock_script";

  private ProviderOwnFields() {}

  /** Whether {@code field} of a request to {@code provider} is the provider's own. */
  static boolean owns(String provider, String field) {
    return MOCK.equals(provider) && MOCK_SCRIPT.equals(field);
  }

  /** Copies the provider's own fields of {@code asked} into {@code chat}. */
  static void carry(String provider, JsonNode asked, ObjectNode chat) {
    asked
        .properties()
        .forEach(field -> {
          if (owns(provider, field.getKey())) {
            chat.set(field.getKey(), field.getValue());
          }
        });
  }
}
