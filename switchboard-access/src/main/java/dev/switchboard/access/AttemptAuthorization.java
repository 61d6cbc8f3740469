package dev.switchboard.access;

import static dev.switchboard.engine.errors.AccessDeniedException.forbidden;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.Target;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The access check of each upstream attempt, on what it will send: run after the router chose the
 * target (provider, custom host) and applied its {@code override_params} (in either spelling, at
 * any depth of the config), and after the input hooks' rewrites. The attempt's provider must be in
 * the key's providers, the model it sends in the key's models (a passed-through body read by {@link
 * PassThroughModel} from the bytes sent), and its custom host in the key's workspace's allowlist.
 * The admission stage's earlier checks on the headers are a fast refusal; this is the rule.
 */
final class AttemptAuthorization implements AttemptStage {
  private final Callers callers;
  private final Function<String, List<String>> workspaceCustomHosts;
  private final boolean keysRequired;

  /**
   * @param workspaceCustomHosts a workspace's custom-host allowlist, or {@code null} when it has
   *     none set
   * @param keysRequired whether a workspace without an allowlist allows no custom host (else any)
   */
  AttemptAuthorization(
      Callers callers, Function<String, List<String>> workspaceCustomHosts, boolean keysRequired) {
    this.callers = callers;
    this.workspaceCustomHosts = workspaceCustomHosts;
    this.keysRequired = keysRequired;
  }

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    Principal caller = callers.of(attempt.request()).principal();
    Target target = attempt.target();
    KeyScopes scopes = caller.scopes();
    if (target != null && !KeyScopes.allows(scopes.providers(), target.provider())) {
      throw forbidden(
          "This gateway key may not use provider '"
              + AccessStage.printable(target.provider())
              + "'.");
    }
    if (scopes.models() != null) {
      authorizeModel(scopes, attempt.operation());
    }
    if (caller.kind() == Principal.Kind.KEY && target != null && target.customHost() != null) {
      List<String> allowed = workspaceCustomHosts.apply(caller.workspace());
      if ((allowed != null || keysRequired) && !hostAllowed(allowed, target.customHost())) {
        throw forbidden(
            "This gateway key's workspace does not allow the custom host '"
                + AccessStage.printable(String.valueOf(hostOf(target.customHost())))
                + "' (see the workspace's custom_hosts).");
      }
    }
    return chain.proceed(attempt);
  }

  /** For a key held to some models: the operation names one of them, and can be read so. */
  static void authorizeModel(KeyScopes scopes, Operation operation) {
    if (operation instanceof Operation.ListModels) {
      return;
    }
    String model = modelOf(operation);
    if (model == null && !(operation instanceof Operation.PassThrough)) {
      throw forbidden("This gateway key is held to some models, and this request names none.");
    }
    if (model != null && !KeyScopes.allows(scopes.models(), model)) {
      throw forbidden("This gateway key may not use model '" + AccessStage.printable(model) + "'.");
    }
  }

  /**
   * The model an operation sends: the typed request's, Anthropic's body's {@code model}, or a
   * passed-through body's as {@link PassThroughModel} reads it; {@code null} for none.
   *
   * @throws InvalidRequestException 400 when a body's model cannot be read with certainty (a key
   *     held to models is refused such a body: its model is unknown, not known to be forbidden)
   */
  static String modelOf(Operation operation) {
    return switch (operation) {
      case Operation.Messages messages -> textual(messages.request().get("model"));
      case Operation.Responses responses -> textual(responses.request().get("model"));
      case Operation.CountTokens count -> textual(count.request().get("model"));
      case Operation.PassThrough passThrough ->
          switch (PassThroughModel.read(
              passThrough.request().headers(), passThrough.request().body())) {
            case PassThroughModel.Reading.Named named -> named.model();
            case PassThroughModel.Reading.Unnamed unnamed -> null;
            case PassThroughModel.Reading.Unreadable unreadable ->
                throw new InvalidRequestException(
                    "This gateway key is held to some models, and the model of this body cannot"
                        + " be read with certainty ("
                        + unreadable.reason()
                        + "): send JSON in UTF-8 without duplicate keys, a form or a multipart"
                        + " form with at most one model, uncompressed or gzip/deflate.",
                    "model",
                    null);
          };
      default -> operation.model();
    };
  }

  private static String textual(JsonNode model) {
    if (model == null) {
      return null;
    }
    if (!model.isTextual()) {
      throw new InvalidRequestException("'model' must be a string.", "model", null);
    }
    return model.asText();
  }

  /**
   * Whether {@code customHost}'s host is in {@code allowed}: an exact host name, or a {@code
   * *.suffix} entry for any host below the suffix (not the suffix itself); case-insensitive.
   */
  static boolean hostAllowed(List<String> allowed, String customHost) {
    String host = hostOf(customHost);
    if (allowed == null || host == null) {
      return false;
    }
    for (String entry : allowed) {
      String pattern = entry.toLowerCase(Locale.ROOT);
      if (pattern.startsWith("*.")
          ? host.endsWith(pattern.substring(1)) && host.length() > pattern.length() - 1
          : host.equals(pattern)) {
        return true;
      }
    }
    return false;
  }

  private static String hostOf(String customHost) {
    try {
      String host = URI.create(customHost.strip()).getHost();
      return host == null ? null : host.toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException malformed) {
      return null;
    }
  }
}
