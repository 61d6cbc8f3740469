package dev.switchboard.state.documents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.wire.WireJson;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What the admin API's routes of versioned documents (saved prompts, saved configs) share: the rule
 * for a new document's id, and the shape of a list.
 */
public final class DocumentAnswers {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

  private DocumentAnswers() {}

  /**
   * The {@code id} of a document to create, from the request's body.
   *
   * @param what the document, for the error ({@code prompt}, {@code saved config})
   * @throws AdminException 400 when there is none, or it is not 1 to 128 letters, digits, {@code
   *     _}, {@code .} or {@code -} starting with a letter or digit
   */
  public static String newId(JsonNode body, String what) {
    if (body == null || !body.isObject() || !body.path("id").isTextual()) {
      throw AdminException.invalid("A " + what + " needs an 'id'.");
    }
    String id = body.path("id").asText();
    if (!ID.matcher(id).matches()) {
      throw AdminException.invalid(
          "'id' must be 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or"
              + " digit.");
    }
    return id;
  }

  /** {@code {"object": "list", "data": […]}}, each of {@code rows} as {@code shown}. */
  public static <T> ObjectNode list(List<T> rows, Function<T, JsonNode> shown) {
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("object", "list");
    ArrayNode data = answer.putArray("data");
    rows.forEach(row -> data.add(shown.apply(row)));
    return answer;
  }
}
