package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.wire.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Prices per provider and model, in US dollars per million tokens (input, output, cached input,
 * cache write), and the cost of an answer from its usage. Immutable and thread-safe (the models it
 * was asked for are remembered, found and prepared, in a bounded cache of its own).
 *
 * <p>The gateway ships a table ({@link #shipped()}, the resource {@code prices.json} beside this
 * class, with the source of each price); an operator's file in the same format is laid over it with
 * {@link #overriddenBy}, model by model.
 *
 * <p>A model is found by its id, case-insensitively, in this order:
 *
 * <ol>
 *   <li>the id itself;
 *   <li>the longest id in the table that the model's id starts with, when what follows is only
 *       version suffixes: a date ({@code -2024-08-06}, {@code -20240620}, {@code @20240620}), a
 *       four- or three-digit version ({@code -0613}, {@code -2411}, {@code -001}), an API version
 *       ({@code -v1}, {@code -v2:0}, {@code :0}), {@code -latest}, and at the end a context-window
 *       variant ({@code :200k}). So {@code gpt-4o-2024-08-06} is priced as {@code gpt-4o} and
 *       {@code anthropic.claude-3-5-sonnet-20241022-v2:0} as {@code
 *       anthropic.claude-3-5-sonnet-20241022}, but {@code gpt-4o-mini} is never priced as {@code
 *       gpt-4o}, nor {@code claude-opus-4-5} as {@code claude-opus-4};
 *   <li>the same two steps without a Bedrock ARN's path ({@code arn:aws:bedrock:…/}) and a
 *       cross-region inference profile's prefix ({@code us.}, {@code eu.}, {@code apac.}, {@code
 *       us-gov.}, {@code global.}, {@code jp.}, {@code au.}, {@code ca.}).
 * </ol>
 */
public final class PriceTable {
  private static final String SHIPPED = "prices.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final Pattern VERSION_SUFFIXES =
      Pattern.compile(
          "(?:[-@](?:\\d{4}-\\d{2}-\\d{2}|\\d{8}|\\d{4}|\\d{3}|v\\d+(?::\\d+)?|latest)|:\\d+)*"
              + "(?::\\d+k)?");
  private static final Pattern REGION_PREFIX =
      Pattern.compile("^(?:us|eu|apac|us-gov|global|jp|au|ca)\\.(?=[a-z0-9-]+\\.)");
  private static final Set<String> DOCUMENT_FIELDS = Set.of("about", "unit", "providers");
  private static final Set<String> PROVIDER_FIELDS = Set.of("source", "note", "models");
  private static final Set<String> MODEL_FIELDS =
      Set.of("input", "output", "cached_input", "cache_write", "free", "unverified", "note");
  private static final Set<String> PRICE_FIELDS =
      Set.of("input", "output", "cached_input", "cache_write");

  /**
   * How many model ids, as asked for, are remembered per provider: a model id comes from a client
   * or a provider, so the cache is bounded; an id past it is found each time, as before.
   */
  private static final int REMEMBERED_PER_PROVIDER = 256;

  private static final PriceTable SHIPPED_TABLE = loadShipped();

  /** Prices by provider, then by lower-cased model id. */
  private final Map<String, Map<String, ModelPrice>> prices;

  /**
   * By provider, the model ids asked for as they were given, each with its price found and
   * prepared, or none: an answer names a dated snapshot ({@code gpt-4o-mini-2024-07-18}) that
   * {@link #find} would otherwise match against every model of the provider, per answer.
   */
  private final Map<String, Map<String, Optional<PreparedPrice>>> remembered;

  private PriceTable(Map<String, Map<String, ModelPrice>> prices) {
    Map<String, Map<String, ModelPrice>> copy = new HashMap<>();
    Map<String, Map<String, Optional<PreparedPrice>>> caches = new HashMap<>();
    prices.forEach((provider, models) -> {
      copy.put(provider, Map.copyOf(models));
      caches.put(provider, new ConcurrentHashMap<>());
    });
    this.prices = Map.copyOf(copy);
    this.remembered = Map.copyOf(caches);
  }

  /** The prices shipped with the gateway. */
  public static PriceTable shipped() {
    return SHIPPED_TABLE;
  }

  /** A table with no prices: no answer has a cost. */
  public static PriceTable empty() {
    return new PriceTable(Map.of());
  }

  /**
   * Reads a price table in the shipped file's format: {@code {"providers": {"<provider>":
   * {"models": {"<model>": {"input": 2.5, "output": 10, "cached_input": 1.25, "cache_write":
   * 3.75}}}}}}, prices in US dollars per million tokens as numbers or decimal strings; {@code
   * input} required, the others optional; or {@code {"free": true}} and no price, for a model that
   * costs nothing ({@link ModelPrice#FREE}); {@code source}, {@code note} and {@code unverified}
   * are for people.
   *
   * @throws IllegalArgumentException naming the entry that is not valid (an unknown field, a
   *     missing or negative price)
   */
  public static PriceTable parse(JsonNode document) {
    if (document == null || !document.isObject()) {
      throw new IllegalArgumentException("a price table must be a JSON object");
    }
    checkFields(document, DOCUMENT_FIELDS, "the price table");
    JsonNode providers = document.path("providers");
    if (!providers.isObject()) {
      throw new IllegalArgumentException("a price table needs a providers object");
    }
    Map<String, Map<String, ModelPrice>> prices = new HashMap<>();
    for (var provider : providers.properties()) {
      String where = "providers." + provider.getKey();
      JsonNode entry = provider.getValue();
      if (!entry.isObject()) {
        throw new IllegalArgumentException(where + " must be an object");
      }
      checkFields(entry, PROVIDER_FIELDS, where);
      JsonNode models = entry.path("models");
      if (!models.isObject()) {
        throw new IllegalArgumentException(where + ".models must be an object");
      }
      Map<String, ModelPrice> byModel = new HashMap<>();
      for (var model : models.properties()) {
        String modelWhere = where + ".models." + model.getKey();
        byModel.put(model.getKey().toLowerCase(Locale.ROOT), price(model.getValue(), modelWhere));
      }
      prices.put(provider.getKey(), byModel);
    }
    return new PriceTable(prices);
  }

  /**
   * Reads a price table from JSON.
   *
   * @throws IllegalArgumentException when it is not JSON or not a valid table
   */
  public static PriceTable parse(InputStream json) {
    try {
      return parse(JSON.readTree(json));
    } catch (IOException e) {
      throw new IllegalArgumentException("a price table must be JSON: " + e.getMessage(), e);
    }
  }

  /**
   * This table with {@code overrides} laid over it: each model the overrides price replaces this
   * table's entry for that provider and model whole (a price it leaves out is not taken from here);
   * every other entry stays.
   */
  public PriceTable overriddenBy(PriceTable overrides) {
    Map<String, Map<String, ModelPrice>> merged = new HashMap<>();
    prices.forEach((provider, models) -> merged.put(provider, new HashMap<>(models)));
    overrides.prices.forEach((provider, models) ->
        merged.computeIfAbsent(provider, p -> new HashMap<>()).putAll(models));
    return new PriceTable(merged);
  }

  /** How many models are priced, across providers. */
  public int size() {
    return prices.values().stream().mapToInt(Map::size).sum();
  }

  /** The providers the table prices models of (the shipped ones and any an override adds). */
  public java.util.Set<String> providers() {
    return java.util.Set.copyOf(prices.keySet());
  }

  /** The price of a provider's model, found as the class comment describes. */
  public Optional<ModelPrice> price(String provider, String model) {
    return prepared(provider, model).map(PreparedPrice::price);
  }

  /** The price of a provider's model, prepared, remembered for the next answer that names it. */
  private Optional<PreparedPrice> prepared(String provider, String model) {
    Map<String, ModelPrice> models = provider == null ? null : prices.get(provider);
    if (models == null || model == null || model.isBlank()) {
      return Optional.empty();
    }
    Map<String, Optional<PreparedPrice>> known = remembered.get(provider);
    Optional<PreparedPrice> found = known.get(model);
    if (found == null) {
      found = lookUp(models, model).map(PreparedPrice::new);
      if (known.size() < REMEMBERED_PER_PROVIDER) {
        known.putIfAbsent(model, found);
      }
    }
    return found;
  }

  private static Optional<ModelPrice> lookUp(Map<String, ModelPrice> models, String model) {
    String id = model.strip().toLowerCase(Locale.ROOT);
    ModelPrice found = find(models, id);
    if (found == null) {
      String bare = REGION_PREFIX.matcher(id.substring(id.lastIndexOf('/') + 1)).replaceFirst("");
      if (id.startsWith("arn:") || !bare.equals(id)) {
        found = find(models, bare);
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * The cost in US dollars of an answer in OpenAI's format, or {@code null} when it cannot be told
   * (no usage, or neither model priced). Cached prompt tokens ({@code
   * prompt_tokens_details.cached_tokens}) are billed at the cached-input price, cache writes
   * ({@code cache_creation_input_tokens}) at the cache-write price.
   *
   * @param answerModel the model the answer names (a dated snapshot, often), tried first
   * @param requestModel the model the request named, tried when the answer's is not priced
   */
  public BigDecimal cost(String provider, String answerModel, String requestModel, Usage usage) {
    return cost(provider, answerModel, requestModel, TokenCounts.of(usage));
  }

  /**
   * The cost in US dollars of an answer in Anthropic's Messages format, from its {@code usage}, or
   * {@code null} when it cannot be told.
   */
  public BigDecimal costOfMessages(
      String provider, String answerModel, String requestModel, JsonNode usage) {
    return cost(provider, answerModel, requestModel, TokenCounts.ofAnthropic(usage));
  }

  /**
   * The cost in US dollars of a passed-through answer's {@code usage}, in any format {@link
   * TokenCounts#ofAnswer} reads, or {@code null} when it cannot be told.
   */
  public BigDecimal costOfAnswer(
      String provider, String answerModel, String requestModel, JsonNode usage) {
    return cost(provider, answerModel, requestModel, TokenCounts.ofAnswer(usage));
  }

  private BigDecimal cost(
      String provider, String answerModel, String requestModel, TokenCounts tokens) {
    if (tokens == null) {
      return null;
    }
    Optional<PreparedPrice> price = prepared(provider, answerModel);
    if (price.isEmpty()) {
      price = prepared(provider, requestModel);
    }
    return price.isEmpty() ? null : price.get().cost(tokens);
  }

  private static ModelPrice find(Map<String, ModelPrice> models, String id) {
    ModelPrice exact = models.get(id);
    if (exact != null) {
      return exact;
    }
    ModelPrice best = null;
    int bestLength = -1;
    for (var entry : models.entrySet()) {
      String key = entry.getKey();
      if (key.length() > bestLength
          && id.startsWith(key)
          && VERSION_SUFFIXES.matcher(id.substring(key.length())).matches()) {
        best = entry.getValue();
        bestLength = key.length();
      }
    }
    return best;
  }

  private static ModelPrice price(JsonNode entry, String where) {
    if (!entry.isObject()) {
      throw new IllegalArgumentException(where + " must be an object of prices");
    }
    checkFields(entry, MODEL_FIELDS, where);
    JsonNode free = entry.path("free");
    if (!free.isMissingNode() && !free.isBoolean()) {
      throw new IllegalArgumentException(where + ".free must be true or false");
    }
    if (free.asBoolean(false)) {
      for (String field : PRICE_FIELDS) {
        if (entry.has(field)) {
          throw new IllegalArgumentException(
              where + " is free: true and has a price (" + field + "); give one or the other");
        }
      }
      return ModelPrice.FREE;
    }
    if (!entry.has("input")) {
      throw new IllegalArgumentException(where + ".input is required");
    }
    try {
      return new ModelPrice(
          decimal(entry, "input", where),
          decimal(entry, "output", where),
          decimal(entry, "cached_input", where),
          decimal(entry, "cache_write", where));
    } catch (IllegalArgumentException e) {
      if (e.getMessage().startsWith(where)) {
        throw e;
      }
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static BigDecimal decimal(JsonNode entry, String field, String where) {
    JsonNode value = entry.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    BigDecimal price;
    if (value.isNumber()) {
      price = value.decimalValue();
    } else if (value.isTextual()) {
      try {
        price = new BigDecimal(value.asText().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(where + "." + field + " must be a number", e);
      }
    } else {
      throw new IllegalArgumentException(where + "." + field + " must be a number");
    }
    if (price.signum() < 0) {
      throw new IllegalArgumentException(where + "." + field + " must not be negative");
    }
    return price;
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String where) {
    node.fieldNames()
        .forEachRemaining(name -> {
          if (!allowed.contains(name)) {
            throw new IllegalArgumentException(
                where + " has an unknown field '" + name + "' (known: " + allowed + ")");
          }
        });
  }

  private static PriceTable loadShipped() {
    try (InputStream in = PriceTable.class.getResourceAsStream(SHIPPED)) {
      if (in == null) {
        throw new IllegalStateException("the shipped price table is missing: " + SHIPPED);
      }
      return parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
