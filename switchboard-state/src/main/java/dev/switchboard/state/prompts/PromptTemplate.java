package dev.switchboard.state.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.WireJson;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A prompt version's messages compiled as Mustache templates (jmustache), ready to render with a
 * request's variables. Nothing is HTML-escaped: a prompt is not a web page, and {@code {{name}}}
 * must give the caller's text as it is. A variable a template names that the request does not give
 * is an error naming it, never an empty string; a section ({@code {{#items}}}) over a missing
 * variable is empty, as Mustache defines it.
 */
final class PromptTemplate {
  private final List<Template> contents;
  private final ArrayNode messages;
  private final Set<String> variables;

  private PromptTemplate(List<Template> contents, ArrayNode messages, Set<String> variables) {
    this.contents = contents;
    this.messages = messages;
    this.variables = variables;
  }

  /**
   * Compiles every message's content, with the definition's partials.
   *
   * @throws AdminException 400 naming the message or the partial that cannot be compiled
   */
  static PromptTemplate compile(PromptDefinition definition) {
    Map<String, String> partials = definition.partials();
    Mustache.Compiler compiler =
        Mustache.compiler()
            .escapeHTML(false)
            .nullValue("")
            .withLoader(name -> {
              String partial = partials.get(name);
              if (partial == null) {
                throw AdminException.invalid(
                    "The partial '" + name + "' is included but not defined in 'partials'.");
              }
              return new StringReader(partial);
            });
    List<Template> contents = new ArrayList<>();
    Set<String> variables = new LinkedHashSet<>();
    for (int i = 0; i < definition.messages().size(); i++) {
      String content = definition.messages().get(i).path("content").asText();
      Template template;
      try {
        template = compiler.compile(content);
      } catch (MustacheException e) {
        throw AdminException.invalid(
            "'messages[" + i + "].content' is not a valid Mustache template: " + e.getMessage());
      }
      collect(compiler, template, partials, variables, new LinkedHashSet<>());
      contents.add(template);
    }
    return new PromptTemplate(contents, definition.messages(), variables);
  }

  /** The variables named, partials' included (sections count as variables too). */
  Set<String> variables() {
    return variables;
  }

  /**
   * The messages with their contents rendered with {@code values}.
   *
   * @param values the request's {@code variables}: strings, numbers, booleans, lists and objects
   * @param promptId for the error's message
   * @throws InvalidRequestException 400 naming the first variable a template needs and {@code
   *     values} lacks ({@code param}: {@code variables.<name>})
   */
  ArrayNode render(JsonNode values, String promptId, int version) {
    Object context =
        values == null || values.isNull() || values.isMissingNode()
            ? Map.of()
            : WireJson.mapper().convertValue(values, Object.class);
    ArrayNode rendered = WireJson.mapper().createArrayNode();
    for (int i = 0; i < contents.size(); i++) {
      ObjectNode message = (ObjectNode) messages.get(i).deepCopy();
      try {
        message.put("content", contents.get(i).execute(context));
      } catch (MustacheException.Context missing) {
        throw new InvalidRequestException(
            "Missing variable '"
                + missing.key
                + "': prompt '"
                + promptId
                + "' version "
                + version
                + " needs it in 'variables'.",
            "variables." + missing.key,
            null);
      } catch (MustacheException failed) {
        throw new InvalidRequestException(
            "Prompt '"
                + promptId
                + "' version "
                + version
                + " cannot be rendered with these"
                + " variables: "
                + failed.getMessage(),
            "variables",
            null);
      }
      rendered.add(message);
    }
    return rendered;
  }

  /** Adds the variables of {@code template} and of the partials it includes, once each. */
  private static void collect(
      Mustache.Compiler compiler,
      Template template,
      Map<String, String> partials,
      Set<String> variables,
      Set<String> visiting) {
    List<String> included = new ArrayList<>();
    template.visit(
        new Mustache.Visitor() {
          @Override
          public void visitText(String text) {}

          @Override
          public void visitVariable(String name) {
            variables.add(name);
          }

          @Override
          public boolean visitInclude(String name) {
            included.add(name);
            return false;
          }

          @Override
          public boolean visitSection(String name) {
            variables.add(name);
            return true;
          }

          @Override
          public boolean visitInvertedSection(String name) {
            variables.add(name);
            return true;
          }
        });
    for (String name : included) {
      String partial = partials.get(name);
      if (partial == null) {
        throw AdminException.invalid(
            "The partial '" + name + "' is included but not defined in 'partials'.");
      }
      if (!visiting.add(name)) {
        continue; // a partial that includes itself, directly or not: listed once
      }
      Template compiled;
      try {
        compiled = compiler.compile(partial);
      } catch (MustacheException e) {
        throw AdminException.invalid(
            "'partials." + name + "' is not a valid Mustache template: " + e.getMessage());
      }
      collect(compiler, compiled, partials, variables, visiting);
    }
  }
}
