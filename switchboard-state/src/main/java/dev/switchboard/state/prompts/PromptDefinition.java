package dev.switchboard.state.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one version of a prompt holds, as the admin API takes it and the store keeps it: the chat
 * messages whose {@code content} strings are Mustache templates, the partials they include ({@code
 * {{> name}}}), the model and parameters the rendered request defaults to, and the routing config
 * (a saved config's id, or its JSON) a call of the prompt takes when the caller sends none.
 *
 * @param messages the messages, each an object with a {@code role} and a string {@code content};
 *     other fields ({@code name}, …) are kept as they are
 * @param model the model, or {@code null} (then the caller's request or config names it)
 * @param parameters the other chat fields ({@code temperature}, {@code max_tokens}, …)
 * @param config the routing config: a string (a saved config's id), an object, or {@code null}
 * @param partials templates by name, for {@code {{> name}}}
 * @param note why this version was made, or {@code null}
 */
public record PromptDefinition(
    ArrayNode messages,
    String model,
    ObjectNode parameters,
    JsonNode config,
    Map<String, String> partials,
    String note) {

  /** Chat fields a prompt's parameters may not set: the messages are the template's own. */
  private static final Set<String> NOT_PARAMETERS = Set.of("messages", "model", "stream");

  private static final Set<String> FIELDS =
      Set.of("messages", "model", "parameters", "config", "partials", "note");

  public PromptDefinition {
    partials = Map.copyOf(partials);
  }

  /**
   * The definition of a version as the admin API sends it; every template is compiled, so a syntax
   * error or an included partial that is not defined is refused now, not when it is called.
   *
   * @throws AdminException 400 naming the field at fault
   */
  static PromptDefinition parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw AdminException.invalid("A prompt version is a JSON object with 'messages'.");
    }
    body.fieldNames()
        .forEachRemaining(field -> {
          if (!FIELDS.contains(field)) {
            throw AdminException.invalid(
                "Unknown field '"
                    + field
                    + "': a prompt version takes messages, model, parameters, config, partials"
                    + " and note.");
          }
        });
    JsonNode messages = body.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      throw AdminException.invalid("'messages' must be a non-empty array of messages.");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      if (!message.isObject()
          || !message.path("role").isTextual()
          || !message.path("content").isTextual()) {
        throw AdminException.invalid(
            "'messages[" + i + "]' must be an object with a string 'role' and a string 'content'.");
      }
    }
    String model = text(body, "model");
    JsonNode parameters = body.path("parameters");
    if (!parameters.isMissingNode() && !parameters.isNull() && !parameters.isObject()) {
      throw AdminException.invalid("'parameters' must be an object of chat fields.");
    }
    ObjectNode parameterObject =
        parameters.isObject()
            ? (ObjectNode) parameters.deepCopy()
            : WireJson.mapper().createObjectNode();
    for (String reserved : NOT_PARAMETERS) {
      if (parameterObject.has(reserved)) {
        throw AdminException.invalid(
            "'parameters." + reserved + "' is not a parameter: set it " + where(reserved) + ".");
      }
    }
    JsonNode config = body.path("config");
    if (config.isMissingNode() || config.isNull()) {
      config = null;
    } else if (!config.isTextual() && !config.isObject()) {
      throw AdminException.invalid("'config' must be a saved config's id or a config object.");
    }
    Map<String, String> partials = new LinkedHashMap<>();
    JsonNode partialNodes = body.path("partials");
    if (!partialNodes.isMissingNode() && !partialNodes.isNull()) {
      if (!partialNodes.isObject()) {
        throw AdminException.invalid("'partials' must be an object of templates by name.");
      }
      partialNodes
          .fields()
          .forEachRemaining(entry -> {
            if (!entry.getValue().isTextual()) {
              throw AdminException.invalid(
                  "'partials." + entry.getKey() + "' must be a template string.");
            }
            partials.put(entry.getKey(), entry.getValue().asText());
          });
    }
    PromptDefinition definition =
        new PromptDefinition(
            (ArrayNode) messages.deepCopy(),
            model,
            parameterObject,
            config == null ? null : config.deepCopy(),
            partials,
            text(body, "note"));
    PromptTemplate.compile(definition); // refuses a template that cannot be compiled
    return definition;
  }

  /** The definition as the store keeps it and the admin API shows it. */
  ObjectNode toJson() {
    ObjectNode json = WireJson.mapper().createObjectNode();
    json.set("messages", messages.deepCopy());
    if (model != null) {
      json.put("model", model);
    }
    json.set("parameters", parameters.deepCopy());
    if (config != null) {
      json.set("config", config.deepCopy());
    }
    ObjectNode partialsJson = json.putObject("partials");
    partials.forEach(partialsJson::put);
    if (note != null) {
      json.put("note", note);
    }
    return json;
  }

  /** A stored definition, read back (it was checked when saved). */
  static PromptDefinition fromStored(String json) {
    return parse(WireJson.tree(json));
  }

  /** The variables the templates name, in order of first use, partials' included. */
  List<String> variables() {
    return new ArrayList<>(PromptTemplate.compile(this).variables());
  }

  /** The routing config as the {@code x-portkey-config} header carries it, or {@code null}. */
  String configHeader() {
    if (config == null) {
      return null;
    }
    return config.isTextual() ? config.asText() : WireJson.writeString(config);
  }

  private static String where(String field) {
    return switch (field) {
      case "messages" -> "in 'messages'";
      case "model" -> "as 'model'";
      default -> "in the request that calls the prompt";
    };
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (!value.isTextual() || value.asText().isBlank()) {
      throw AdminException.invalid("'" + field + "' must be a non-empty string.");
    }
    return value.asText();
  }
}
