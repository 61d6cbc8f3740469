package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every check the gateway has, by id: Portkey's open-source {@code default.*} set, and ours under
 * {@code switchboard.*}. Registering a check is one line here.
 */
final class Checks {
  private Checks() {}

  private static final Map<String, Check> ALL = new LinkedHashMap<>();

  static {
    ALL.put("default.regexMatch", TextChecks::regexMatch);
    ALL.put("default.sentenceCount", TextChecks::sentenceCount);
    ALL.put("default.wordCount", TextChecks::wordCount);
    ALL.put("default.characterCount", TextChecks::characterCount);
    ALL.put("default.jsonSchema", JsonChecks::jsonSchema);
    ALL.put("default.jsonKeys", JsonChecks::jsonKeys);
    ALL.put("default.contains", TextChecks::contains);
    ALL.put("default.validUrls", RemoteChecks::validUrls);
    ALL.put("default.webhook", RemoteChecks::webhook);
    ALL.put("default.log", RemoteChecks::log);
    ALL.put("default.containsCode", TextChecks::containsCode);
    ALL.put("default.alluppercase", TextChecks::allUppercase);
    ALL.put("default.alllowercase", TextChecks::allLowercase);
    ALL.put("default.endsWith", TextChecks::endsWith);
    ALL.put("default.modelWhitelist", RequestChecks::modelWhitelist);
    ALL.put("default.modelRules", RequestChecks::modelRules);
    ALL.put("default.jwt", Jwt::check);
    ALL.put("default.requiredMetadataKeys", RequestChecks::requiredMetadataKeys);
    ALL.put("default.addPrefix", RequestChecks::addPrefix);
    ALL.put("default.regexReplace", TextChecks::regexReplace);
    ALL.put("default.allowedRequestTypes", RequestChecks::allowedRequestTypes);
    ALL.put("default.notNull", TextChecks::notNull);
    ALL.put("switchboard.pii", Pii::check);
    ALL.put("switchboard.promptInjection", PromptInjection::check);
    ALL.put("switchboard.jsonOutput", JsonChecks::jsonOutput);
  }

  static Set<String> ids() {
    return ALL.keySet();
  }

  static Check get(String id) {
    return ALL.get(id);
  }

  /**
   * Whether a check, as configured, can refuse a stream before it ends: a check whose failure can
   * only stay a failure as text is added (a forbidden word appeared, a pattern that must not match
   * matched, personal data appeared while not being redacted). Such a check runs on the text so far
   * after every event; the others wait for the whole text.
   */
  static boolean decidesMidStream(String id, ObjectNode parameters) {
    return switch (id) {
      case "default.contains" -> "none".equals(parameters.path("operator").asText());
      case "default.regexMatch" -> parameters.path("not").asBoolean(false);
      case "switchboard.pii" -> !parameters.path("redact").asBoolean(true);
      case "switchboard.promptInjection" -> true;
      default -> false;
    };
  }
}
