package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A condition of a conditional strategy, in Portkey's MongoDB-like form, over the request's {@code
 * metadata.*} (from {@code x-portkey-metadata}) and {@code params.*} (the request body's fields).
 *
 * <pre>{@code
 * Query.eq("metadata.plan", "paid")
 * Query.in("params.model", "gpt-4o", "gpt-4o-mini")
 * Query.or(Query.gt("metadata.tier", 2), Query.exists("metadata.beta", true))
 * }</pre>
 *
 * As the gateway compares: {@code $eq} and {@code $in} are strict (the string {@code "3"} is not
 * the number 3); {@code $gt $gte $lt $lte} compare numbers.
 */
public final class Query {
  /** The gateway refuses longer patterns. */
  private static final int MAX_PATTERN_LENGTH = 512;

  private final ObjectNode json;

  private Query(ObjectNode json) {
    this.json = json;
  }

  public static Query eq(String field, Object value) {
    return operator(field, "$eq", Json.tree(value, field + ".$eq"));
  }

  public static Query ne(String field, Object value) {
    return operator(field, "$ne", Json.tree(value, field + ".$ne"));
  }

  public static Query gt(String field, Number value) {
    return operator(field, "$gt", Json.tree(value, field + ".$gt"));
  }

  public static Query gte(String field, Number value) {
    return operator(field, "$gte", Json.tree(value, field + ".$gte"));
  }

  public static Query lt(String field, Number value) {
    return operator(field, "$lt", Json.tree(value, field + ".$lt"));
  }

  public static Query lte(String field, Number value) {
    return operator(field, "$lte", Json.tree(value, field + ".$lte"));
  }

  /** The field's value is one of these. */
  public static Query in(String field, Object... values) {
    return operator(field, "$in", Json.tree(List.of(values), field + ".$in"));
  }

  /** The field's value is none of these. */
  public static Query nin(String field, Object... values) {
    return operator(field, "$nin", Json.tree(List.of(values), field + ".$nin"));
  }

  /** The field's text matches this regular expression (Java's syntax, at most 512 characters). */
  public static Query regex(String field, String pattern) {
    String at = field + ".$regex";
    if (pattern == null || pattern.length() > MAX_PATTERN_LENGTH) {
      throw new InvalidConfigException(
          at, "must be a regular expression of at most " + MAX_PATTERN_LENGTH + " characters");
    }
    try {
      Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException(
          at, "is not a valid regular expression: " + e.getDescription());
    }
    return operator(field, "$regex", Json.tree(pattern, at));
  }

  /** The field is present ({@code true}) or absent ({@code false}). */
  public static Query exists(String field, boolean exists) {
    return operator(field, "$exists", Json.tree(exists, field + ".$exists"));
  }

  /** Every query holds. */
  public static Query and(Query... queries) {
    return combined("$and", queries);
  }

  /** At least one query holds. */
  public static Query or(Query... queries) {
    return combined("$or", queries);
  }

  private static Query operator(String field, String operator, JsonNode value) {
    Json.requireText(field, "query field");
    if (field.startsWith("$")) {
      throw new InvalidConfigException(
          field, "is an operator, not a field; use Query.and or Query.or");
    }
    ObjectNode json = Json.object();
    json.putObject(field).set(operator, value);
    return new Query(json);
  }

  private static Query combined(String operator, Query... queries) {
    if (queries.length == 0) {
      throw new InvalidConfigException(operator, "needs at least one query");
    }
    ObjectNode json = Json.object();
    ArrayNode all = json.putArray(operator);
    for (Query query : queries) {
      all.add(query.toJson());
    }
    return new Query(json);
  }

  ObjectNode toJson() {
    return json.deepCopy();
  }

  @Override
  public String toString() {
    return json.toString();
  }
}
