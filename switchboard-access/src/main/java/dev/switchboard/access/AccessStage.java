package dev.switchboard.access;

import static dev.switchboard.engine.errors.AccessDeniedException.forbidden;

import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import java.util.List;
import java.util.function.Function;

/**
 * The admission stage: who calls (the gateway key, or nobody where keys are not required), and
 * whether its key reaches this route, config, and the provider and model the request names, all
 * before anything is resolved or sent (each attempt's provider, model and custom host, as sent, are
 * checked again by {@link AttemptAuthorization}). Then the caller's subjects (its workspace and its
 * key, with their limits) are known for the stage after it (the limits) and for the virtual keys,
 * until the request is handed back.
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
  public Outcome handle(Request request, Chain chain) {
    Principal caller = authenticator.apply(request.options().gatewayKey());
    if (caller.kind() == Principal.Kind.KEY) {
      request.journal().caller(caller.workspace(), caller.keyId());
    }
    authorize(caller, request.operation(), request.options());
    List<Subject> subjects =
        caller.kind() == Principal.Kind.KEY
            ? List.of(
                new Subject(
                    Subject.Kind.WORKSPACE,
                    caller.workspace(),
                    workspaceLimits.apply(caller.workspace())),
                new Subject(Subject.Kind.KEY, caller.keyId(), caller.limits()))
            : List.of();
    callers.enter(request, new Callers.Caller(caller, subjects));
    try {
      return afterAuthentication.handle(request, chain);
    } finally {
      callers.leave(request);
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
    // The model as the client wrote it, a fast refusal; a passed-through body is read once, per
    // attempt, from the bytes sent (AttemptAuthorization, which is the rule).
    if (scopes.models() != null && !(operation instanceof Operation.PassThrough)) {
      AttemptAuthorization.authorizeModel(scopes, operation);
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
    }
  }

  static Permission permissionFor(Operation operation) {
    return switch (operation) {
      case Operation.Chat c -> Permission.COMPLETIONS;
      case Operation.TextCompletion c -> Permission.COMPLETIONS;
      case Operation.Messages m -> Permission.COMPLETIONS;
      case Operation.Responses r -> Permission.COMPLETIONS;
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
