package dev.switchboard.engine.providers.compatible;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One way a provider of the OpenAI-compatible family takes a chat body differently from OpenAI, as
 * Portkey's gateway handles it (its {@code src/providers/<name>/chatComplete.ts}): applied to the
 * body as the client sent it, in place.
 */
@FunctionalInterface
interface ChatQuirk {

  void apply(ObjectNode body);

  /** {@code developer} messages sent as {@code system} ones, for servers that know no developer. */
  ChatQuirk DEVELOPER_AS_SYSTEM =
      body -> {
        for (JsonNode message : body.path("messages")) {
          if (message instanceof ObjectNode object
              && object.path("role").asText().equals("developer")) {
            object.put("role", "system");
          }
        }
      };

  /** {@code max_completion_tokens} sent as {@code max_tokens}, unless that is set too. */
  ChatQuirk MAX_COMPLETION_TOKENS_AS_MAX_TOKENS = rename("max_completion_tokens", "max_tokens");

  /**
   * Mistral's {@code tool_choice} says {@code "any"} where OpenAI's says {@code "required"}
   * (https://docs.mistral.ai/capabilities/function_calling/).
   */
  ChatQuirk MISTRAL_TOOL_CHOICE =
      body -> {
        if (body.path("tool_choice").asText().equals("required")) {
          body.put("tool_choice", "any");
        }
      };

  /**
   * Mistral refuses tool call ids that are not nine letters or digits; another provider's ids
   * ({@code call_…}, {@code toolu_…}) in a conversation's history are mapped to nine alphanumerics
   * derived from each id, the same on the call and on its result, so each result still answers its
   * own call. Mistral's own ids are kept.
   */
  ChatQuirk MISTRAL_TOOL_CALL_IDS =
      body -> {
        for (JsonNode message : body.path("messages")) {
          if (!(message instanceof ObjectNode object)) {
            continue;
          }
          for (JsonNode call : object.path("tool_calls")) {
            if (call instanceof ObjectNode callObject && call.path("id").isTextual()) {
              callObject.put("id", MistralIds.of(call.get("id").asText()));
            }
          }
          if (object.path("tool_call_id").isTextual()) {
            object.put("tool_call_id", MistralIds.of(object.get("tool_call_id").asText()));
          }
        }
      };

  /**
   * OpenRouter's usage accounting: {@code stream_options.include_usage} as {@code usage.include},
   * as Portkey sends it (https://openrouter.ai/docs/use-cases/usage-accounting).
   */
  ChatQuirk OPENROUTER_USAGE =
      body -> {
        if (body.path("stream_options").path("include_usage").asBoolean(false)
            && !body.has("usage")) {
          body.putObject("usage").put("include", true);
        }
      };

  /** Fields the provider refuses or does not know, not sent. */
  static ChatQuirk drop(String... fields) {
    List<String> names = List.of(fields);
    return body -> body.remove(names);
  }

  /** Field {@code from} sent as {@code to}, unless the body has {@code to} already. */
  static ChatQuirk rename(String from, String to) {
    return body -> {
      JsonNode value = body.remove(from);
      if (value != null && !body.has(to)) {
        body.set(to, value);
      }
    };
  }

  /** Every quirk of {@code quirks}, in order. */
  static ChatQuirk all(List<ChatQuirk> quirks) {
    return body -> quirks.forEach(quirk -> quirk.apply(body));
  }

  /** Tool call ids in Mistral's form. */
  final class MistralIds {
    private static final Pattern MISTRAL_ID = Pattern.compile("[A-Za-z0-9]{9}");
    private static final String ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private MistralIds() {}

    /** {@code id} when it is Mistral's form already, else nine alphanumerics derived from it. */
    static String of(String id) {
      if (MISTRAL_ID.matcher(id).matches()) {
        return id;
      }
      byte[] digest;
      try {
        digest = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JDK", e);
      }
      StringBuilder mapped = new StringBuilder(9);
      for (int i = 0; i < 9; i++) {
        mapped.append(ALPHABET.charAt((digest[i] & 0xff) % ALPHABET.length()));
      }
      return mapped.toString();
    }
  }
}
