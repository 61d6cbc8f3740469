package dev.switchboard.access.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.access.UnpricedRates;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pricing.ModelPrice;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pessimistic estimate of what a request may use, reckoned before it is sent, so that a budget
 * reserved from it is never overshot by the request's real cost:
 *
 * <ul>
 *   <li>prompt tokens: at most the UTF-8 bytes of the request body (no tokenizer makes more tokens
 *       than bytes);
 *   <li>completion tokens: {@code max_completion_tokens}, {@code max_output_tokens} (the Responses
 *       API) or {@code max_tokens} times {@code n}, else {@value #DEFAULT_OUTPUT_TOKENS} per choice
 *       (a request that names no cap may still be cut by the provider's own, which is unknown here;
 *       embeddings, model lists and token counts write none);
 *   <li>a passed-through request: its JSON body read as above (the model it names, its cap); a body
 *       that is not JSON (a file upload, a form) as that many prompt tokens and {@value
 *       #DEFAULT_OUTPUT_TOKENS} completion tokens, and no body (a {@code GET}, a {@code DELETE}) as
 *       no tokens, each at the operator's {@link UnpricedRates#requestUsd()} (what such a call
 *       costs is not told by tokens);
 *   <li>cost: those tokens at the model's price for the provider named by {@code
 *       x-portkey-provider}; when a config routes the request (the provider is not known before
 *       routing), at the highest price any provider of the table in force has for that model.
 *       Prompt tokens are priced at the higher of the input and the cache-write price. A model
 *       without a price (or a JSON body that names no model) is priced at the operator's {@link
 *       UnpricedRates#price()}, conservative, so that a local model's small calls reserve little; a
 *       model marked free ({@link ModelPrice#FREE}) is estimated at $0.
 * </ul>
 */
public final class Estimates {
  /** The completion tokens assumed per choice when a request names no {@code max_tokens}. */
  public static final int DEFAULT_OUTPUT_TOKENS = 4096;

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final ObjectMapper JSON = WireJson.mapper();

  private Estimates() {}

  /**
   * The most {@code operation} may use and cost.
   *
   * @param unpriced what a request whose cost the price table cannot tell is reckoned at
   */
  public static Limiter.Estimate of(
      Operation operation, RequestOptions options, PriceTable prices, UnpricedRates unpriced) {
    Tokens tokens = tokens(operation);
    if (tokens == null) {
      return new Limiter.Estimate(unpriced.requestUsd(), 0);
    }
    BigDecimal cost;
    if (!tokens.countable()) {
      cost = unpriced.requestUsd();
    } else if (tokens.prompt() == 0 && tokens.output() == 0) {
      cost = BigDecimal.ZERO;
    } else {
      String provider = options.config() == null ? options.provider() : null;
      ModelPrice price =
          tokens.model() == null ? null : highestPrice(prices, provider, tokens.model());
      cost = cost(price == null ? unpriced.price() : price, tokens.prompt(), tokens.output());
    }
    return new Limiter.Estimate(cost, tokens.prompt() + tokens.output());
  }

  /**
   * The most tokens a request may use, and its model; {@code null} when it cannot be told.
   *
   * @param countable whether its cost follows from its tokens (not a body that is not JSON)
   */
  private record Tokens(String model, long prompt, long output, boolean countable) {
    Tokens(String model, long prompt, long output) {
      this(model, prompt, output, true);
    }
  }

  private static Tokens tokens(Operation operation) {
    return switch (operation) {
      case Operation.Chat chat -> {
        var request = chat.request();
        Integer cap =
            request.maxCompletionTokens() != null
                ? request.maxCompletionTokens()
                : request.maxTokens();
        yield new Tokens(request.model(), bytes(request), output(cap, request.n()));
      }
      case Operation.TextCompletion completion -> {
        var request = completion.request();
        yield new Tokens(request.model(), bytes(request), output(request.maxTokens(), request.n()));
      }
      case Operation.Embedding embedding ->
          new Tokens(embedding.request().model(), bytes(embedding.request()), 0);
      case Operation.Messages messages -> {
        JsonNode body = messages.request();
        yield new Tokens(body.path("model").asText(null), bytes(body), output(body));
      }
      case Operation.Responses responses -> {
        JsonNode body = responses.request();
        yield new Tokens(body.path("model").asText(null), bytes(body), output(body));
      }
      case Operation.CountTokens count -> new Tokens(null, 0, 0);
      case Operation.ListModels models -> new Tokens(null, 0, 0);
      case Operation.PassThrough passThrough -> {
        byte[] body = passThrough.request().body();
        if (body == null || body.length == 0) {
          yield null;
        }
        JsonNode json = parse(body);
        if (json == null) {
          yield new Tokens(null, body.length, DEFAULT_OUTPUT_TOKENS, false);
        }
        yield new Tokens(json.path("model").textValue(), body.length, output(json));
      }
    };
  }

  private static long output(Integer cap, Integer n) {
    long choices = n == null || n < 1 ? 1 : n;
    long perChoice = cap == null || cap < 0 ? DEFAULT_OUTPUT_TOKENS : cap;
    return perChoice * choices;
  }

  private static long output(JsonNode body) {
    JsonNode cap = body.path("max_tokens");
    for (String name : List.of("max_output_tokens", "max_completion_tokens")) {
      if (body.path(name).canConvertToInt()) {
        cap = body.path(name);
      }
    }
    Integer n = body.path("n").canConvertToInt() ? body.path("n").asInt() : null;
    return output(cap.canConvertToInt() ? cap.asInt() : null, n);
  }

  private static long bytes(Object request) {
    return request instanceof JsonNode node
        ? node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        : WireJson.write(request).length;
  }

  private static JsonNode parse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonNode json = JSON.readTree(body);
      return json != null && json.isObject() ? json : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static ModelPrice highestPrice(PriceTable prices, String provider, String model) {
    Set<String> providers = new LinkedHashSet<>();
    if (provider != null) {
      providers.add(provider);
    } else {
      providers.addAll(prices.providers());
    }
    ModelPrice highest = null;
    BigDecimal highestSum = null;
    for (String candidate : providers) {
      ModelPrice price = prices.price(candidate, model).orElse(null);
      if (price == null) {
        continue;
      }
      // Compared by the price of a million tokens each way: an estimate takes the dearest.
      BigDecimal sum = promptPrice(price).add(outputPrice(price));
      if (highestSum == null || sum.compareTo(highestSum) > 0) {
        highest = price;
        highestSum = sum;
      }
    }
    return highest;
  }

  /** What these tokens cost at {@code price}, rounded up to the ledger's ten decimal places. */
  static BigDecimal cost(ModelPrice price, long promptTokens, long outputTokens) {
    return promptPrice(price)
        .multiply(BigDecimal.valueOf(promptTokens))
        .add(outputPrice(price).multiply(BigDecimal.valueOf(outputTokens)))
        .divide(MILLION, 10, RoundingMode.CEILING)
        .stripTrailingZeros();
  }

  private static BigDecimal promptPrice(ModelPrice price) {
    return price.cacheWrite() != null && price.cacheWrite().compareTo(price.input()) > 0
        ? price.cacheWrite()
        : price.input();
  }

  /** A model without an output price (embeddings) writes no tokens; else the output price. */
  private static BigDecimal outputPrice(ModelPrice price) {
    return price.output() == null ? price.input() : price.output();
  }
}
