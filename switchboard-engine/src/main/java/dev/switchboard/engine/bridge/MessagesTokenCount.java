package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.wire.WireJson;
import java.util.List;

/**
 * Anthropic's {@code POST /v1/messages/count_tokens} for a provider that has no such call: an
 * estimate, answered by the gateway in Anthropic's shape {@code {"input_tokens": n}}, with no
 * upstream call. The request is read as {@code /v1/messages} reads it ({@link MessagesRequest}: the
 * same 400s for the same faults) and its chat form counted with OpenAI's {@code o200k_base}
 * tokenizer (jtokkit): each message's text, tool calls and tool results, plus OpenAI's framing of 3
 * tokens a message and 3 for the reply; each tool's definition as its JSON; each image a flat
 * {@value #IMAGE_TOKENS} (Anthropic's figure for a full-size image; the bytes are not decoded). So
 * it is the provider's count only where the provider uses that tokenizer (OpenAI's recent models),
 * and an estimate everywhere else.
 *
 * <p>The last attempt stage, so that a count passes the input guardrails, the attempt's admission
 * and the cache as any attempt does before it is answered; a provider that counts natively (those
 * that speak Messages) gets the attempt unchanged.
 */
public final class MessagesTokenCount implements AttemptStage {
  /** What an image counts for: Anthropic's estimate for an image of about 1.15 megapixels. */
  static final int IMAGE_TOKENS = 1600;

  private static final int PER_MESSAGE = 3;
  private static final int REPLY_PRIMING = 3;

  /**
   * The tokenizer, loaded on the first count rather than when the gateway starts: its table of 200k
   * tokens holds about 35 MB of heap, which a gateway that never counts should not carry.
   */
  private static final class Tokenizer {
    static final Encoding O200K_BASE =
        Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  private final ProviderRegistry providers;

  public MessagesTokenCount(ProviderRegistry providers) {
    this.providers = providers;
  }

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    if (attempt.operation() instanceof Operation.CountTokens count) {
      String provider = attempt.target().provider();
      boolean counted =
          new MessagesOverChat(provider, count.request().path("model").asText(null))
              .servedNatively(providers.get(provider).capabilities());
      if (!counted) {
        return answer(count, attempt);
      }
    }
    return chain.proceed(attempt);
  }

  /** The estimate for {@code count}, as the attempt's answer. */
  static Outcome answer(Operation.CountTokens count, Attempt attempt) {
    ObjectNode asMessages = count.request().deepCopy();
    // count_tokens takes no max_tokens; the count does not depend on it.
    asMessages.put("max_tokens", 1);
    asMessages.remove("stream");
    JsonNode chat =
        WireJson.mapper()
            .valueToTree(MessagesRequest.of(asMessages, attempt.target().provider()).chat());
    ObjectNode answer = JsonNodeFactory.instance.objectNode().put("input_tokens", count(chat));
    return new Outcome.Body(answer, List.of(), Outcome.Origin.provider(attempt));
  }

  /** The estimated input tokens of a chat request's messages and tools. */
  static int count(JsonNode chat) {
    int tokens = REPLY_PRIMING;
    for (JsonNode message : chat.path("messages")) {
      tokens += PER_MESSAGE;
      JsonNode content = message.path("content");
      if (content.isTextual()) {
        tokens += Tokenizer.O200K_BASE.countTokens(content.asText());
      }
      for (JsonNode part : content.isArray() ? content : List.<JsonNode>of()) {
        tokens +=
            part.path("type").asText().equals("image_url")
                ? IMAGE_TOKENS
                : Tokenizer.O200K_BASE.countTokens(part.path("text").asText(""));
      }
      for (JsonNode call : message.path("tool_calls")) {
        tokens += Tokenizer.O200K_BASE.countTokens(call.path("function").path("name").asText(""));
        tokens +=
            Tokenizer.O200K_BASE.countTokens(call.path("function").path("arguments").asText(""));
      }
    }
    for (JsonNode tool : chat.path("tools")) {
      tokens += Tokenizer.O200K_BASE.countTokens(tool.path("function").toString());
    }
    return tokens;
  }
}
