package dev.switchboard.access;

import static dev.switchboard.engine.errors.AccessDeniedException.forbidden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Exchange;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Stage;
import java.util.List;
import java.util.function.Function;

/**
 * The admission stage: who calls (the gateway key, or nobody where keys are not required), and
 * whether its key reaches this route, provider, model and config, all before anything is resolved
 * or sent. Then the caller's subjects (its workspace and its key, with their limits) are known for
 * the stage after it (the limits) and for the virtual keys, until the request is handed back.
 */
final class AccessStage implements Stage {
  private final Function<String, Principal> authenticator;
  private final Function<String, Limits> workspaceLimits;
  private final Callers callers;
  private final Stage afterAuthentication;

  AccessStage(
      Function<String, Principal> authenticator,
      Function<String, Limits> workspaceLimits,
      Callers callers,
      Stage afterAuthentication) {
    this.authenticator = authenticator;
    this.workspaceLimits = workspaceLimits;
    this.callers = callers;
    this.afterAuthentication = afterAuthentication;
  }

  @Override
  public Outcome handle(Exchange exchange, Chain chain) {
    Principal caller = authenticator.apply(exchange.options().gatewayKey());
    if (caller.kind() == Principal.Kind.KEY) {
      exchange.caller(caller.workspace(), caller.keyId());
    }
    authorize(caller, exchange.operation(), exchange.options());
    List<Subject> subjects =
        caller.kind() == Principal.Kind.KEY
            ? List.of(
                new Subject(
                    Subject.Kind.WORKSPACE,
                    caller.workspace(),
                    workspaceLimits.apply(caller.workspace())),
                new Subject(Subject.Kind.KEY, caller.keyId(), caller.limits()))
            : List.of();
    callers.enter(exchange, new Callers.Caller(caller, subjects));
    try {
      return afterAuthentication.handle(exchange, chain);
    } finally {
      callers.leave(exchange);
    }
  }

  /** Refuses (403, naming what) an operation outside the caller's scopes. */
  static void authorize(Principal caller, Operation operation, RequestOptions options) {
    KeyScopes scopes = caller.scopes();
    Permission needed = permissionFor(operation);
    if (!scopes.permissions().contains(needed)) {
      throw forbidden(
          "This gateway key may not call "
              + printable(operation.path())
              + " (it lacks the '"
              + needed.wireName()
              + "' permission).");
    }
    if (options.provider() != null && !KeyScopes.allows(scopes.providers(), options.provider())) {
      throw forbidden(
          "This gateway key may not use provider '" + printable(options.provider()) + "'.");
    }
    // Only a key held to some models needs the model (a passed-through body is parsed for it).
    String model = scopes.models() == null ? null : modelOf(operation);
    if (model != null && !KeyScopes.allows(scopes.models(), model)) {
      throw forbidden("This gateway key may not use model '" + printable(model) + "'.");
    }
    String config = options.config();
    if (config != null && !config.isBlank()) {
      boolean inline = config.strip().startsWith("{");
      String name = inline ? "inline" : config.strip();
      if (!KeyScopes.allows(scopes.configs(), name)) {
        throw forbidden(
            inline
                ? "This gateway key may not send its own config (it lacks the 'inline' config"
                    + " scope)."
                : "This gateway key may not use config '" + printable(name) + "'.");
      }
      if (inline) {
        authorizeInlineConfig(scopes, config);
      }
    }
  }

  /**
   * An inline config names providers and may rewrite the model ({@code override_params.model}) in
   * any of its targets: each must be within the key's scopes, or the config would be a way around
   * them. (Virtual keys in it are checked when the router resolves them; a config that is not JSON
   * is the router's 400.)
   */
  private static void authorizeInlineConfig(KeyScopes scopes, String config) {
    if (scopes.providers() == null && scopes.models() == null) {
      return;
    }
    JsonNode tree;
    try {
      tree = JSON.readTree(config);
    } catch (java.io.IOException e) {
      return;
    }
    java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>();
    pending.add(tree);
    while (!pending.isEmpty()) {
      JsonNode node = pending.pop();
      if (node.isObject()) {
        JsonNode provider = node.get("provider");
        if (provider != null
            && provider.isTextual()
            && !KeyScopes.allows(scopes.providers(), provider.asText())) {
          throw forbidden(
              "This gateway key may not use provider '" + printable(provider.asText()) + "'.");
        }
        JsonNode model = node.path("override_params").get("model");
        if (model != null
            && model.isTextual()
            && !KeyScopes.allows(scopes.models(), model.asText())) {
          throw forbidden(
              "This gateway key may not use model '" + printable(model.asText()) + "'.");
        }
      }
      node.forEach(pending::add);
    }
  }

  /**
   * The model a request names: the engine's reading, and for the operations it does not read a
   * model from, the body's {@code model} (a count of tokens; a passed-through JSON body such as
   * {@code /v1/responses}), so a key held to some models cannot reach others by another route.
   */
  static String modelOf(Operation operation) {
    return switch (operation) {
      case Operation.CountTokens count -> count.request().path("model").asText(null);
      case Operation.PassThrough passThrough -> passedThroughModel(passThrough.request().body());
      default -> operation.model();
    };
  }

  private static String passedThroughModel(byte[] body) {
    int first = 0;
    while (body != null && first < body.length && Character.isWhitespace(body[first])) {
      first++;
    }
    if (body == null || first == body.length || body[first] != '{') {
      return null;
    }
    try {
      JsonNode model = JSON.readTree(body).get("model");
      return model != null && model.isTextual() ? model.asText() : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      dev.switchboard.wire.WireJson.mapper();

  static Permission permissionFor(Operation operation) {
    return switch (operation) {
      case Operation.Chat c -> Permission.COMPLETIONS;
      case Operation.TextCompletion c -> Permission.COMPLETIONS;
      case Operation.Messages m -> Permission.COMPLETIONS;
      case Operation.CountTokens c -> Permission.COMPLETIONS;
      case Operation.Embedding e -> Permission.EMBEDDINGS;
      case Operation.ListModels m -> Permission.MODELS;
      case Operation.PassThrough p -> Permission.PASSTHROUGH;
    };
  }

  /**
   * A name from the request, fit to quote in a message: at most 100 characters, control characters
   * dropped, so an error body cannot be flooded or split.
   */
  static String printable(String name) {
    StringBuilder out = new StringBuilder();
    name.codePoints()
        .limit(100)
        .filter(c -> !Character.isISOControl(c))
        .forEach(out::appendCodePoint);
    return name.codePointCount(0, name.length()) > 100 ? out + "…" : out.toString();
  }
}
