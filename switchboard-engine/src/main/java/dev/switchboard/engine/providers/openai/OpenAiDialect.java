package dev.switchboard.engine.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.Target;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * What sets one server that speaks OpenAI's format apart from OpenAI: where its endpoints are, how
 * it takes its credential, what it does not accept in a chat body, and how its errors look. {@link
 * OpenAiProvider} does the rest (sending, reading, streaming) the same for all of them.
 */
public interface OpenAiDialect {

  /** The endpoints an {@link OpenAiProvider} calls, by their path under OpenAI's {@code /v1}. */
  String CHAT = "/chat/completions";

  String COMPLETIONS = "/completions";
  String EMBEDDINGS = "/embeddings";
  String MODELS = "/models";
  String RESPONSES = "/responses";

  /**
   * The URL of {@code endpoint} ({@link #CHAT}, {@link #COMPLETIONS}, {@link #EMBEDDINGS}, {@link
   * #MODELS}, {@link #RESPONSES}, or a pass-through path under {@code /v1}) for {@code target}.
   *
   * @param query the raw query string to add, or {@code null}
   * @throws dev.switchboard.engine.errors.InvalidRequestException when the target lacks a setting
   *     the URL needs
   */
  URI url(Target target, String endpoint, String query);

  /** Adds the headers that carry the target's credential, if any. */
  void authenticate(Target target, List<Map.Entry<String, String>> headers);

  /** The chat body as this server takes it, changed in place or replaced; as sent by default. */
  default ObjectNode chatBody(ObjectNode body) {
    return body;
  }

  /** Whether {@link #chatBody} changes anything, so the body is rewritten at all. */
  default boolean rewritesChat() {
    return false;
  }

  /** The OpenAI-shaped {@code error} object of a failed answer's body. */
  default JsonNode errorObject(byte[] body) {
    return OpenAiProvider.errorObject(body);
  }

  /** OpenAI's own: {@code <base URL><endpoint>}, the key as {@code Authorization: Bearer}. */
  static OpenAiDialect openAi(URI baseUrl) {
    return new OpenAiDialect() {
      @Override
      public URI url(Target target, String endpoint, String query) {
        String base = target.customHost() != null ? target.customHost() : baseUrl.toString();
        return join(base, endpoint, query);
      }

      @Override
      public void authenticate(Target target, List<Map.Entry<String, String>> headers) {
        bearer(target, headers);
      }
    };
  }

  /** {@code Authorization: Bearer <key>} when the target has a key. */
  static void bearer(Target target, List<Map.Entry<String, String>> headers) {
    if (target.apiKey() != null) {
      headers.add(Map.entry("authorization", "Bearer " + target.apiKey()));
    }
  }

  /**
   * {@code base} (a trailing slash dropped) + {@code path}, and {@code ?query} when there is one.
   */
  static URI join(String base, String path, String query) {
    String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return URI.create(trimmed + path + (query == null || query.isEmpty() ? "" : "?" + query));
  }
}
