package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{model}}: a few of OpenAI's models
 * (https://platform.openai.com/docs/api-reference/models).
 */
final class Models {

  private record Model(String id, long created, String ownedBy) {
    ObjectNode json() {
      return JsonNodeFactory.instance
          .objectNode()
          .put("id", id)
          .put("object", "model")
          .put("created", created)
          .put("owned_by", ownedBy);
    }
  }

  private static final List<Model> MODELS =
      List.of(
          new Model("gpt-4o-mini", 1721172741L, "system"),
          new Model("gpt-4o", 1715367049L, "system"),
          new Model("gpt-3.5-turbo-instruct", 1692901427L, "system"),
          new Model("text-embedding-3-small", 1705948997L, "system"),
          new Model("text-embedding-3-large", 1705953180L, "system"),
          new Model("omni-moderation-latest", 1731689265L, "system"));

  /** The list: {@code object: "list"} and the models, with no paging fields. */
  Reply list() {
    ObjectNode list = JsonNodeFactory.instance.objectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    MODELS.forEach(model -> data.add(model.json()));
    return Reply.Json.ok(list);
  }

  Reply retrieve(String id) {
    Optional<Model> model = MODELS.stream().filter(m -> m.id().equals(id)).findFirst();
    return model
        .<Reply>map(m -> Reply.Json.ok(m.json()))
        .orElseGet(() -> ApiError.noSuchModel(id).reply());
  }
}
