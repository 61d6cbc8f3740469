package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A conditional-routing query, Portkey's MongoDB-like form: {@code {"metadata.plan": {"$eq":
 * "paid"}}}, {@code {"params.model": {"$in": ["a", "b"]}}}, {@code {"$or": [{...}, {...}]}}. A
 * field path starts with {@code metadata} (the request's {@code x-portkey-metadata}), {@code
 * params} (the request body) or {@code url} ({@code url.pathname}, the path called); a bare value
 * means {@code $eq}. Operators: {@code $eq $ne $in $nin $gt $gte $lt $lte $regex $length $exists},
 * and {@code $and $or} over lists of queries.
 *
 * <p>As in Portkey's router, {@code $eq}/{@code $in} are strict (the string {@code "3"} is not the
 * number 3) while {@code $gt $gte $lt $lte} compare numbers, reading a numeric string as its number
 * (metadata values are strings), and never hold for a value that is not a number.
 */
final class Query {
  static final int MAX_PATTERN_LENGTH = 512;
  static final int MAX_MATCHED_LENGTH = 10_000;

  private Query() {}

  /** Checks a query's form; throws the config error that names the bad part. */
  static void validate(JsonNode query, String path) {
    for (Iterator<Map.Entry<String, JsonNode>> it = query.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> clause = it.next();
      String key = clause.getKey();
      String at = path + "." + key;
      if (key.equals("$and") || key.equals("$or")) {
        if (!clause.getValue().isArray() || clause.getValue().isEmpty()) {
          throw ConfigParser.invalid(at, "must be a non-empty array of queries");
        }
        for (int i = 0; i < clause.getValue().size(); i++) {
          JsonNode part = clause.getValue().get(i);
          if (!part.isObject()) {
            throw ConfigParser.invalid(at + "[" + i + "]", "must be a query object");
          }
          validate(part, at + "[" + i + "]");
        }
      } else if (key.startsWith("$")) {
        throw ConfigParser.invalid(at, "is not an operator at this place; use $and or $or");
      } else if (!key.startsWith("metadata.")
          && !key.startsWith("params.")
          && !key.equals("url.pathname")) {
        throw ConfigParser.invalid(
            at, "must name a field under metadata. or params., or url.pathname");
      } else if (clause.getValue().isObject()) {
        validateOperators(clause.getValue(), at);
      }
    }
  }

  private static void validateOperators(JsonNode operators, String path) {
    for (Iterator<Map.Entry<String, JsonNode>> it = operators.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> operator = it.next();
      String at = path + "." + operator.getKey();
      JsonNode value = operator.getValue();
      switch (operator.getKey()) {
        case "$eq", "$ne", "$gt", "$gte", "$lt", "$lte" -> {}
        case "$in", "$nin" -> {
          if (!value.isArray()) {
            throw ConfigParser.invalid(at, "must be an array");
          }
        }
        case "$length" -> {
          if (value.isObject()) {
            validateOperators(value, at);
          } else if (!value.isIntegralNumber()) {
            throw ConfigParser.invalid(at, "must be a whole number or an object of operators");
          }
        }
        case "$exists" -> {
          if (!value.isBoolean()) {
            throw ConfigParser.invalid(at, "must be true or false");
          }
        }
        case "$regex" -> {
          if (!value.isTextual() || value.asText().length() > MAX_PATTERN_LENGTH) {
            throw ConfigParser.invalid(
                at,
                "must be a regular expression of at most " + MAX_PATTERN_LENGTH + " characters");
          }
          try {
            Pattern.compile(value.asText());
          } catch (PatternSyntaxException e) {
            throw ConfigParser.invalid(
                at, "is not a valid regular expression: " + e.getDescription());
          }
        }
        default -> throw ConfigParser.invalid(at, "is not a supported operator");
      }
    }
  }

  /** Whether the request, as {@code {"metadata": {...}, "params": {...}}}, matches the query. */
  static boolean matches(JsonNode query, JsonNode request) {
    for (Iterator<Map.Entry<String, JsonNode>> it = query.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> clause = it.next();
      boolean holds =
          switch (clause.getKey()) {
            case "$and" -> all(clause.getValue(), request);
            case "$or" -> any(clause.getValue(), request);
            default -> fieldMatches(resolve(request, clause.getKey()), clause.getValue());
          };
      if (!holds) {
        return false;
      }
    }
    return true;
  }

  private static boolean all(JsonNode queries, JsonNode request) {
    for (JsonNode query : queries) {
      if (!matches(query, request)) {
        return false;
      }
    }
    return true;
  }

  private static boolean any(JsonNode queries, JsonNode request) {
    for (JsonNode query : queries) {
      if (matches(query, request)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode resolve(JsonNode request, String path) {
    JsonNode node = request;
    for (String segment : path.split("\\.")) {
      node = node.isObject() ? node.path(segment) : MissingNode.getInstance();
    }
    return node;
  }

  private static boolean fieldMatches(JsonNode actual, JsonNode condition) {
    if (!condition.isObject()) {
      return same(actual, condition);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = condition.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> operator = it.next();
      JsonNode expected = operator.getValue();
      boolean holds =
          switch (operator.getKey()) {
            case "$eq" -> same(actual, expected);
            case "$ne" -> !same(actual, expected);
            case "$in" -> contains(expected, actual);
            case "$nin" -> !contains(expected, actual);
            case "$gt" -> compare(actual, expected).map(c -> c > 0).orElse(false);
            case "$gte" -> compare(actual, expected).map(c -> c >= 0).orElse(false);
            case "$lt" -> compare(actual, expected).map(c -> c < 0).orElse(false);
            case "$lte" -> compare(actual, expected).map(c -> c <= 0).orElse(false);
            case "$length" ->
                actual.isArray() && fieldMatches(IntNode.valueOf(actual.size()), expected);
            case "$exists" -> expected.asBoolean() != actual.isMissingNode();
            case "$regex" -> regex(actual, expected.asText());
            default -> false;
          };
      if (!holds) {
        return false;
      }
    }
    return true;
  }

  private static boolean same(JsonNode actual, JsonNode expected) {
    if (actual.isNumber() && expected.isNumber()) {
      return actual.decimalValue().compareTo(expected.decimalValue()) == 0;
    }
    return actual.equals(expected);
  }

  private static boolean contains(JsonNode list, JsonNode actual) {
    for (JsonNode item : list) {
      if (same(actual, item)) {
        return true;
      }
    }
    return false;
  }

  /** The order of two values read as numbers; empty when either is not one. */
  private static Optional<Integer> compare(JsonNode actual, JsonNode expected) {
    return number(actual).flatMap(a -> number(expected).map(a::compareTo));
  }

  private static Optional<BigDecimal> number(JsonNode value) {
    if (value.isNumber()) {
      return Optional.of(value.decimalValue());
    }
    if (value.isTextual() && value.asText().length() <= 100) {
      try {
        return Optional.of(new BigDecimal(value.asText().strip()));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static boolean regex(JsonNode actual, String pattern) {
    if (!actual.isValueNode() || actual.isNull()) {
      return false;
    }
    String text = actual.asText();
    return text.length() <= MAX_MATCHED_LENGTH && Pattern.compile(pattern).matcher(text).find();
  }
}
