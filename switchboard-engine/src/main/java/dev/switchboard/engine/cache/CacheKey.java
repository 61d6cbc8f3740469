package dev.switchboard.engine.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The identity of a cached answer: a SHA-256 over the canonical request and its scope. The scope is
 * who asks (the gateway key, when one is sent), where the request would go (the provider, a digest
 * of its credential and provider options and forwarded headers, the custom host), the endpoint and
 * the namespace, and the saved prompt's version a request was rendered from. No secret is ever part
 * of a key in the clear: credentials enter only through their own digest, and the key itself is a
 * digest.
 *
 * <p>The canonical request is the body after the target's {@code override_params}, parsed, with
 * object keys sorted, numbers written in one form ({@code 1}, {@code 1.0} and {@code 1e0} alike),
 * and the fields that do not change the answer dropped: {@code stream} and {@code stream_options}
 * (a streamed and a whole answer are the same answer, served either way) and {@code user} (an
 * end-user id for the provider's abuse monitoring; a caller who wants answers kept apart per user
 * sends a namespace).
 *
 * @param hex the key, 64 lower-case hex digits
 */
record CacheKey(String hex) {
  private static final List<String> IGNORED_FIELDS = List.of("stream", "stream_options", "user");

  /** The key of {@code operation} sent to {@code target} for the caller of {@code options}. */
  public static CacheKey of(Operation operation, Target target, RequestOptions options) {
    MessageDigest digest = sha256();
    part(digest, "switchboard-cache-v1");
    part(digest, options.gatewayKey() == null ? "" : hex(digestOf(options.gatewayKey())));
    part(digest, target.provider());
    part(digest, hex(credentialDigest(target)));
    part(digest, target.customHost() == null ? "" : target.customHost());
    part(digest, operation.path());
    part(digest, options.cacheNamespace() == null ? "" : options.cacheNamespace());
    promptPart(digest, options);
    part(digest, canonicalRequest(operation));
    return new CacheKey(hex(digest.digest()));
  }

  /**
   * The semantic scope of a chat request whose last message is a user's text: the same key material
   * as {@link #of}, with that last message's content left out. Two requests in one semantic scope
   * differ at most in their last user turn, which is what the semantic cache compares.
   *
   * @return the scope, or {@code null} for a request the semantic cache does not compare
   */
  static CacheKey semanticScope(Operation operation, Target target, RequestOptions options) {
    if (lastUserTurn(operation) == null) {
      return null;
    }
    ObjectNode tree = canonicalTree(operation);
    var messages = tree.path("messages");
    ((ObjectNode) messages.get(messages.size() - 1)).remove("content");
    MessageDigest digest = sha256();
    part(digest, "switchboard-semantic-scope-v1");
    part(digest, options.gatewayKey() == null ? "" : hex(digestOf(options.gatewayKey())));
    part(digest, target.provider());
    part(digest, hex(credentialDigest(target)));
    part(digest, target.customHost() == null ? "" : target.customHost());
    part(digest, operation.path());
    part(digest, options.cacheNamespace() == null ? "" : options.cacheNamespace());
    promptPart(digest, options);
    StringBuilder canonical = new StringBuilder();
    write(tree, canonical);
    part(digest, canonical.toString());
    return new CacheKey(hex(digest.digest()));
  }

  /**
   * A request rendered from a saved prompt is keyed by the prompt's version too, so that two
   * versions never share an answer even when they render the same body. Nothing is added for other
   * requests, so their keys stay as they were.
   */
  private static void promptPart(MessageDigest digest, RequestOptions options) {
    if (options.prompt() != null) {
      part(digest, "prompt");
      part(digest, options.prompt().toString());
    }
  }

  /** The text of a chat request's last message when a user sent it, else {@code null}. */
  static String lastUserTurn(Operation operation) {
    if (!(operation instanceof Operation.Chat chat) || chat.request().messages() == null) {
      return null;
    }
    var messages = chat.request().messages();
    if (messages.isEmpty()
        || !(messages.getLast() instanceof dev.switchboard.wire.ChatMessage.User user)
        || user.content() == null) {
      return null;
    }
    String text = user.content().text();
    return text == null || text.isBlank() ? null : text;
  }

  /**
   * The request body in canonical form, as the key sees it.
   *
   * @throws IllegalArgumentException for an operation the cache does not serve
   */
  static String canonicalRequest(Operation operation) {
    StringBuilder canonical = new StringBuilder();
    write(canonicalTree(operation), canonical);
    return canonical.toString();
  }

  private static ObjectNode canonicalTree(Operation operation) {
    Object body =
        switch (operation) {
          case Operation.Chat chat -> chat.request();
          case Operation.TextCompletion completion -> completion.request();
          case Operation.Embedding embedding -> embedding.request();
          case Operation.ListModels models ->
              throw new IllegalArgumentException("models are not cached");
          case Operation.Messages messages ->
              throw new IllegalArgumentException("/v1/messages is not cached");
          case Operation.Responses responses ->
              throw new IllegalArgumentException("/v1/responses is not cached natively");
          case Operation.CountTokens count ->
              throw new IllegalArgumentException("token counts are not cached");
          case Operation.PassThrough passThrough ->
              throw new IllegalArgumentException("pass-through requests are not cached");
        };
    ObjectNode tree = WireJson.mapper().valueToTree(body);
    tree.remove(IGNORED_FIELDS);
    return tree;
  }

  /** The credential and everything else that picks the account or project that answers. */
  private static byte[] credentialDigest(Target target) {
    MessageDigest digest = sha256();
    part(digest, target.apiKey() == null ? "" : target.apiKey());
    new TreeMap<>(target.options())
        .forEach((name, value) -> {
          part(digest, name);
          part(digest, value);
        });
    List<String> forwarded = new ArrayList<>();
    for (Map.Entry<String, String> header : target.forwardHeaders()) {
      forwarded.add(header.getKey().toLowerCase(java.util.Locale.ROOT) + ":" + header.getValue());
    }
    forwarded.sort(null);
    forwarded.forEach(header -> part(digest, header));
    return digest.digest();
  }

  private static void write(JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.properties().forEach(field -> sorted.put(field.getKey(), field.getValue()));
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, JsonNode> field : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(WireJson.writeString(field.getKey())).append(':');
        write(field.getValue(), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out);
      }
      out.append(']');
    } else if (node.isNumber()) {
      BigDecimal number = node.decimalValue().stripTrailingZeros();
      out.append(number.signum() == 0 ? "0" : number.toPlainString());
    } else {
      out.append(node.toString());
    }
  }

  /** Each part length-prefixed, so that no two different scopes hash the same bytes. */
  private static void part(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update(
        new byte[] {
          (byte) (bytes.length >>> 24),
          (byte) (bytes.length >>> 16),
          (byte) (bytes.length >>> 8),
          (byte) bytes.length
        });
    digest.update(bytes);
  }

  private static byte[] digestOf(String value) {
    return sha256().digest(value.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public String toString() {
    return hex;
  }
}
