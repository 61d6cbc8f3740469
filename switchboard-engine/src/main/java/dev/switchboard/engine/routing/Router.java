package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.CircuitOpenException;
import dev.switchboard.engine.errors.ClientClosedException;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.errors.UpstreamTimeoutException;
import dev.switchboard.engine.guardrails.HookParser;
import dev.switchboard.engine.outbound.ForwardedHeaders;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptEntry;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.GuardrailPlan;
import dev.switchboard.engine.pipeline.Hook;
import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Routing;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The routing stage, the last request stage: walks the request's config (fallback, load balance,
 * conditional, nested to any depth), builds one {@link Attempt} per upstream attempt and passes it
 * through the attempt stages ({@link AttemptStage.Chain#proceed}), retries as each target's {@code
 * retry} says, and writes the config and each attempt (target, path, retry, status, timing, wait)
 * into the request's {@link Journal}. A request without a config is a config of one target, from
 * its headers.
 *
 * <p>Stricter than Portkey where Portkey is unsafe: retry waits have jitter and never end before
 * the provider's {@code Retry-After}; a wait over the cap returns the error at once; one deadline
 * and one attempt budget cover the whole request; a connection that failed after the request was
 * sent is not retried (the provider may have acted on it); a stream is retried or falls back only
 * before its first event; a target that keeps failing has its circuit opened.
 */
public final class Router implements Routing {
  /**
   * A config's top-level field of our own asking for request and response bodies in the request
   * log.
   */
  static final String LOG_BODIES = "log_bodies";

  private final ConfigSource configs;
  private final RoutingLimits limits;
  private final CircuitBreakers circuits;
  private final Clock clock;
  private final Sleeper sleeper;
  private final RandomGenerator random;
  private final dev.switchboard.engine.access.VirtualKeys virtualKeys;
  private final StickyArms stickyArms;

  /** The response header and log field naming the arm a sticky load balancer gave the request. */
  public static final String ARM_HEADER = "x-switchboard-arm";

  /**
   * @param virtualKeys where {@code x-portkey-virtual-key} and a target's {@code virtual_key} are
   *     looked up
   * @param stickyArms where a sticky load balancer keeps each subject's arm
   */
  public Router(
      ConfigSource configs,
      RoutingLimits limits,
      CircuitBreakers circuits,
      Clock clock,
      Sleeper sleeper,
      RandomGenerator random,
      dev.switchboard.engine.access.VirtualKeys virtualKeys,
      StickyArms stickyArms) {
    this.configs = configs;
    this.stickyArms = stickyArms;
    this.limits = limits;
    this.circuits = circuits;
    this.clock = clock;
    this.sleeper = sleeper;
    this.random = random;
    this.virtualKeys = virtualKeys;
  }

  @Override
  public Outcome route(Request request, AttemptStage.Chain attempts) {
    TargetNode root;
    Inherited from;
    boolean logBodies;
    if (request.shadow() != null && request.shadow().route() instanceof ShadowRoute shadow) {
      // A shadow walks the shadow target as the child of the node that declared it.
      root = shadow.target();
      from = shadow.inherited();
      logBodies = shadow.logBodies();
    } else {
      root = configs.resolve(request.options());
      from = Inherited.ROOT;
      JsonNode asked = root.settings().extras().get(LOG_BODIES);
      logBodies = asked != null && asked.asBoolean(false);
    }
    request.journal().config(configs.nameOf(request.options()), logBodies);
    Walk walk = new Walk(request, attempts, clock.instant().plus(limits.deadline()), logBodies);
    try {
      return walk.node(root, from);
    } catch (ProviderErrorException failure) {
      if (failure.passedThroughBody() == null
          || !(request.operation() instanceof Operation.PassThrough)) {
        throw failure; // a modelled call's error relayed as it came is the server's to write
      }
      // A passed-through request's last answer was an error: the client gets it as it came.
      return new Outcome.Raw(UpstreamResponse.relayed(failure));
    }
  }

  /**
   * Whether a request asking this may be mirrored to a shadow: the modelled calls that neither keep
   * state (a Responses request may store its answer or continue a stored one) nor are passed
   * through unread.
   */
  static boolean mirrors(Operation operation) {
    return switch (operation) {
      case Operation.Chat chat -> true;
      case Operation.TextCompletion completion -> true;
      case Operation.Embedding embedding -> true;
      case Operation.Messages messages -> true;
      case Operation.Responses responses -> false;
      case Operation.CountTokens count -> false;
      case Operation.ListModels models -> false;
      case Operation.PassThrough passThrough -> false;
    };
  }

  /**
   * Where a shadow goes: its target, and what the node that declared it passes its children (its
   * guardrails among them).
   */
  record ShadowRoute(TargetNode target, Inherited inherited, boolean logBodies)
      implements dev.switchboard.engine.pipeline.Shadow.Route {}

  /** What a node passes down to its children. */
  record Inherited(
      ObjectNode overrideParams,
      RetryPolicy retry,
      JsonNode cache,
      Duration requestTimeout,
      String customHost,
      List<String> forwardHeaders,
      List<Hook> beforeHooks,
      List<Hook> afterHooks,
      Boolean strictOpenAiCompliance) {
    static final Inherited ROOT =
        new Inherited(null, null, null, null, null, null, List.of(), List.of(), null);

    /**
     * Portkey's inheritance: params merged parent to child; the rest replaced when the child sets
     * it.
     */
    Inherited with(TargetNode.Settings child) {
      ObjectNode params = overrideParams;
      if (child.overrideParams() != null) {
        params =
            overrideParams == null
                ? JsonNodeFactory.instance.objectNode()
                : overrideParams.deepCopy();
        params.setAll(child.overrideParams());
      }
      // Hooks as Portkey's: a node's own (full form, then shorthand) replace its parent's.
      HookParser.NodeHooks hooks = HookParser.node(child.hooks(), "config");
      JsonNode strict = child.extras().get("strict_open_ai_compliance");
      return new Inherited(
          params,
          child.retry() != null ? child.retry() : retry,
          child.cache() != null ? child.cache() : cache,
          child.requestTimeout() != null ? child.requestTimeout() : requestTimeout,
          child.customHost() != null ? child.customHost() : customHost,
          child.forwardHeaders() != null ? child.forwardHeaders() : forwardHeaders,
          hooks.before() != null ? hooks.before() : beforeHooks,
          hooks.after() != null ? hooks.after() : afterHooks,
          strict != null && strict.isBoolean()
              ? Boolean.valueOf(strict.asBoolean())
              : strictOpenAiCompliance);
    }
  }

  /** One client request's walk through its config. */
  private final class Walk {
    private final Request request;
    private final AttemptStage.Chain chain;
    private final Instant deadline;
    private final Operation original;
    private final boolean logBodies;
    private int attempts;

    Walk(Request request, AttemptStage.Chain chain, Instant deadline, boolean logBodies) {
      this.request = request;
      this.chain = chain;
      this.deadline = deadline;
      this.original = request.operation();
      this.logBodies = logBodies;
    }

    Outcome node(TargetNode node, Inherited parent) {
      Inherited inherited = parent.with(node.settings());
      TargetNode.ShadowTarget shadow = node.settings().shadow();
      if (shadow != null
          && !request.isShadow()
          && mirrors(original)
          && random.nextDouble() < shadow.share()) {
        request.journal().shadow(new ShadowRoute(shadow.target(), inherited, logBodies));
      }
      return switch (node) {
        case TargetNode.Leaf leaf -> leaf(leaf, inherited);
        case TargetNode.Group group -> group(group, inherited);
      };
    }

    private Outcome group(TargetNode.Group group, Inherited inherited) {
      return switch (group.strategy()) {
        case Strategy.Single single -> node(group.targets().getFirst(), inherited);
        case Strategy.LoadBalance balance ->
            node(
                balance.sticky() == null
                    ? pickByWeight(group.targets(), random.nextDouble())
                    : pickSticky(group, balance.sticky()),
                inherited);
        case Strategy.Conditional conditional ->
            node(pickByCondition(group, conditional), inherited);
        case Strategy.Fallback fallback -> {
          GatewayException last = null;
          for (TargetNode target : group.targets()) {
            try {
              yield node(target, inherited);
            } catch (GatewayException failure) {
              last = failure;
              if (!fallsBackOn(failure, fallback) || budgetSpent()) {
                throw failure;
              }
            }
          }
          throw last;
        }
      };
    }

    /** The target at {@code point} (0 to 1) of the targets laid end to end by weight. */
    private static TargetNode pickByWeight(List<TargetNode> targets, double point) {
      double total = 0;
      for (TargetNode target : targets) {
        total += target.settings().weight();
      }
      point *= total;
      for (TargetNode target : targets) {
        double weight = target.settings().weight();
        if (weight > 0 && point < weight) {
          return target;
        }
        point -= weight;
      }
      return targets.stream()
          .filter(t -> t.settings().weight() > 0)
          .reduce((a, b) -> b)
          .orElseThrow();
    }

    /**
     * The subject's arm: the one stored for it, else the one its digest falls on by weight (stored
     * now). A subject without the key's value (no such metadata field, no gateway key) is placed at
     * random, unstored. A stored arm the group no longer has, or whose weight is now 0, is
     * replaced. The arm is written into the log and the response's headers.
     */
    private TargetNode pickSticky(TargetNode.Group group, Strategy.Sticky sticky) {
      String subject =
          sticky.key().equals(Strategy.Sticky.API_KEY)
              ? request.options().gatewayKey()
              : request
                  .options()
                  .metadata()
                  .get(sticky.key().substring(Strategy.Sticky.METADATA.length()));
      List<TargetNode> targets = group.targets();
      TargetNode chosen;
      if (subject == null || subject.isEmpty()) {
        chosen = pickByWeight(targets, random.nextDouble());
      } else {
        String experiment =
            sticky.experiment() != null
                ? sticky.experiment()
                : configs.nameOfSaved(request.options()) + " " + group.path();
        byte[] digest = sha256(experiment + "\u0000" + subject);
        double point = (java.nio.ByteBuffer.wrap(digest).getLong() >>> 11) * 0x1.0p-53;
        TargetNode proposed = pickByWeight(targets, point);
        String kept =
            stickyArms.armOf(java.util.HexFormat.of().formatHex(digest), armOf(proposed, targets));
        chosen = kept == null ? proposed : targetNamed(targets, kept);
        if (chosen == null || chosen.settings().weight() == 0) {
          chosen = proposed; // the kept arm was removed or switched off: the subject moves
        }
      }
      String arm = armOf(chosen, targets);
      request.journal().arm(arm);
      request.journal().gatewayHeader(ARM_HEADER, arm);
      return chosen;
    }

    private TargetNode pickByCondition(TargetNode.Group group, Strategy.Conditional conditional) {
      ObjectNode queried = JsonNodeFactory.instance.objectNode();
      ObjectNode metadata = queried.putObject("metadata");
      request.options().metadata().forEach(metadata::put);
      queried.set("params", params(original));
      queried.putObject("url").put("pathname", original.path());
      String chosen = conditional.defaultTarget();
      for (Strategy.Condition condition : conditional.conditions()) {
        if (Query.matches(condition.query(), queried)) {
          chosen = condition.then();
          break;
        }
      }
      if (chosen == null) {
        throw new InvalidRequestException(
            "Query router did not resolve to any valid target: no condition matched the request"
                + " and the strategy sets no default.",
            group.path() + ".strategy",
            null);
      }
      String name = chosen;
      return group.targets().stream()
          .filter(t -> name.equals(t.settings().name()))
          .findFirst()
          .orElseThrow();
    }

    /** Whether a fallback moves past a target that failed so. */
    private boolean fallsBackOn(GatewayException failure, Strategy.Fallback fallback) {
      return switch (failure) {
        case ProviderErrorException provider ->
            fallback.onStatusCodes() == null
                || fallback.onStatusCodes().contains(provider.status());
        case UpstreamTimeoutException timeout -> true;
        case UpstreamFailureException connection -> true;
        case CircuitOpenException open -> true;
        // Never by default (issue 21): a denied prompt must not go to another provider, and an
        // answer that failed its schema is the request's to fix, not a reason to pay a second
        // provider. A config that wants it lists 446.
        case GuardrailDeniedException denied ->
            fallback.onStatusCodes() != null
                && fallback.onStatusCodes().contains(GuardrailDeniedException.STATUS);
        // A target's virtual key at its rate limit or out of budget: the next target may serve.
        case dev.switchboard.engine.errors.LimitExceededException limit ->
            fallback.onStatusCodes() == null || fallback.onStatusCodes().contains(limit.status());
        default -> false;
      };
    }

    private Outcome leaf(TargetNode.Leaf leaf, Inherited inherited) {
      Target target = target(leaf, inherited);
      RetryPolicy retry = inherited.retry() == null ? RetryPolicy.NONE : inherited.retry();
      String upstream =
          target.provider()
              + " "
              + (target.customHost() == null ? "(default)" : target.customHost());
      Operation sent = withOverrides(original, inherited.overrideParams());
      GuardrailPlan hooks =
          new GuardrailPlan(
              inherited.beforeHooks(), inherited.afterHooks(), inherited.strictOpenAiCompliance());
      Journal journal = request.journal();
      for (int retries = 0; ; retries++) {
        checkBudget();
        AttemptEntry entry =
            journal.attempt(target, sent.model(), leaf.path(), retries, clock.instant());
        Attempt attempt =
            new Attempt(
                request, sent, target, leaf.path(), retries, inherited.cache(), hooks, entry);
        attempts++;
        try {
          circuits.admit(upstream);
          Outcome outcome = judged(firstEventRead(chain.proceed(attempt)), target);
          entry.answered(answered(outcome));
          if (outcome.origin() != null && outcome.origin().fromCache()) {
            // A cached answer says nothing about the upstream's health.
            circuits.released(upstream);
          } else {
            circuits.succeeded(upstream);
          }
          return outcome;
        } catch (GatewayException failure) {
          entry.failed(failure);
          if (countsAgainstCircuit(failure)) {
            circuits.failed(upstream);
          } else if (failure instanceof ClientClosedException) {
            // Says nothing of the upstream's health: a half-open circuit may probe again.
            circuits.released(upstream);
          }
          Duration wait = retryWait(failure, retry, retries);
          if (wait == null) {
            if (retries > 0 && retries == retry.attempts() && isRetryable(failure, retry)) {
              entry.retriesRanOut();
            }
            throw failure;
          }
          entry.waitAfter(wait);
          sleep(wait, failure);
        }
      }
    }

    private Target target(TargetNode.Leaf leaf, Inherited inherited) {
      RequestOptions options = request.options();
      boolean root = leaf.path().equals("config");
      // A virtual key stands for a provider and its credentials, as in Portkey: the target's own,
      // else (a request without a config's targets) the x-portkey-virtual-key header's.
      String slug =
          leaf.settings().virtualKey() != null
              ? leaf.settings().virtualKey()
              : root && leaf.settings().apiKey() == null ? options.virtualKey() : null;
      dev.switchboard.engine.access.VirtualKeys.Credentials stored =
          slug == null ? null : virtualKeys.resolve(slug, request);
      Map<String, String> configOptions = configOptions(leaf);
      checkPinned(leaf, inherited, stored, configOptions);
      String provider =
          leaf.settings().provider() != null
              ? leaf.settings().provider()
              : stored != null ? stored.provider() : root ? options.provider() : null;
      if (provider == null) {
        throw new InvalidRequestException(
            "Invalid config passed: " + leaf.path() + " needs a provider",
            leaf.path() + ".provider",
            null);
      }
      String apiKey = leaf.settings().apiKey();
      if (apiKey == null && stored != null) {
        apiKey = stored.apiKey();
      } else if (apiKey == null && root) {
        apiKey = options.apiKey();
      }
      String customHost =
          options.customHost() != null && root ? options.customHost() : inherited.customHost();
      List<Map.Entry<String, String>> forward = new ArrayList<>(options.forwardHeaders());
      if (forward.isEmpty() && inherited.forwardHeaders() != null) {
        for (String name : inherited.forwardHeaders()) {
          String value = options.requestHeaders().get(name);
          if (value != null) {
            forward.add(Map.entry(name, value));
          }
        }
      }
      forward.removeIf(header -> !ForwardedHeaders.forwardable(header.getKey()));
      Duration timeout =
          options.requestTimeout() != null ? options.requestTimeout() : inherited.requestTimeout();
      Map<String, String> providerOptions =
          new java.util.HashMap<>(root ? options.providerOptions() : Map.of());
      if (stored != null) {
        providerOptions.putAll(stored.options());
      }
      providerOptions.putAll(configOptions);
      return new Target(
          provider, apiKey, customHost, forward, timeout, providerOptions, options.hops());
    }

    /**
     * Refuses, before anything is sent, a request that would move a stored credential (a virtual
     * key's, or one in a config saved in the gateway's settings) away from its record's
     * destination: another provider, a custom host, or another region or resource.
     */
    private void checkPinned(
        TargetNode.Leaf leaf,
        Inherited inherited,
        dev.switchboard.engine.access.VirtualKeys.Credentials stored,
        Map<String, String> configOptions) {
      RequestOptions options = request.options();
      boolean root = leaf.path().equals("config");
      boolean savedConfig = configs.isSaved(options);
      boolean storedInConfig =
          savedConfig
              && (leaf.settings().apiKey() != null
                  || configOptions.keySet().stream()
                      .anyMatch(ProviderOptions.CREDENTIALS::contains));
      if (stored == null && !storedInConfig) {
        return; // the caller's own credential goes where the caller says
      }
      Map<String, String> destination =
          new java.util.HashMap<>(
              stored == null ? Map.of() : DestinationPin.destinationOf(stored.options()));
      if (savedConfig) {
        destination.putAll(DestinationPin.destinationOf(configOptions));
      }
      DestinationPin pin =
          new DestinationPin(
              stored != null ? "virtual key" : "saved config",
              stored != null ? stored.provider() : leaf.settings().provider(),
              savedConfig ? inherited.customHost() : null,
              destination);
      pin.checkProvider(leaf.settings().provider(), leaf.path() + ".provider");
      pin.checkCustomHost(inherited.customHost(), leaf.path() + ".custom_host");
      pin.checkOptions(configOptions, name -> leaf.path() + "." + name);
      if (root) {
        pin.checkProvider(options.provider(), "x-portkey-provider");
        pin.checkCustomHost(options.customHost(), "x-portkey-custom-host");
        pin.checkOptions(options.providerOptions(), ProviderOptions::header);
      }
    }

    /** The provider options a config target sets on itself. */
    private static Map<String, String> configOptions(TargetNode.Leaf leaf) {
      Map<String, String> set = new java.util.HashMap<>();
      leaf.settings()
          .extras()
          .forEach((name, value) -> {
            if (ProviderOptions.NAMES.contains(name) && value.isValueNode() && !value.isNull()) {
              set.put(name, value.asText());
            } else if (ProviderOptions.NAMES.contains(name) && value.isObject()) {
              // Portkey's vertex_service_account_json is the key's JSON object itself.
              set.put(name, value.toString());
            }
          });
      return set;
    }

    /**
     * For a stream, reads its first event now, so that a failure before it can still be retried.
     */
    private Outcome firstEventRead(Outcome outcome) {
      if (outcome instanceof Outcome.Events events) {
        return events.withStream(PeekedStream.of(events.stream()));
      }
      return outcome;
    }

    /**
     * A passed-through answer that is not a 2xx is the provider's error, judged as a modelled
     * call's (retry, fallback, circuit); {@link Router#handle} relays it when it is the last word.
     */
    private Outcome judged(Outcome outcome, Target target) {
      if (outcome instanceof Outcome.Raw raw) {
        return raw.withResponse(raw.response().succeededOrPassedThroughError(target.provider()));
      }
      return outcome;
    }

    /**
     * The status of an attempt that answered: a passed-through answer's own (201, 204, …), as the
     * client gets it; 200 for the others.
     */
    private static int answered(Outcome outcome) {
      return outcome instanceof Outcome.Raw raw ? raw.response().status() : 200;
    }

    /** The wait before the next retry of this target, or {@code null} when it is not retried. */
    private Duration retryWait(GatewayException failure, RetryPolicy retry, int retriesDone) {
      if (retriesDone >= retry.attempts() || !isRetryable(failure, retry)) {
        return null;
      }
      Duration wait = backoff(retriesDone);
      if (retry.useRetryAfterHeader() && failure instanceof ProviderErrorException provider) {
        var asked = RetryAfter.from(provider.headers(), clock.instant());
        if (asked.isPresent()) {
          wait = asked.get();
        }
      }
      if (wait.compareTo(limits.maxRetryWait()) > 0) {
        return null;
      }
      if (clock.instant().plus(wait).isAfter(deadline) || attempts >= limits.maxAttempts()) {
        return null;
      }
      return wait;
    }

    private boolean isRetryable(GatewayException failure, RetryPolicy retry) {
      return switch (failure) {
        case ProviderErrorException provider -> retry.onStatusCodes().contains(provider.status());
        case GuardrailDeniedException denied ->
            retry.onStatusCodes().contains(GuardrailDeniedException.STATUS);
        case UpstreamTimeoutException timeout -> retry.onStatusCodes().contains(408);
        // Never a second delivery of a request the provider may have processed.
        case UpstreamFailureException connection -> !connection.requestSent();
        default -> false;
      };
    }

    /** Exponential from the base (1 s, 2 s, 4 s, …), with up to a quarter added at random. */
    private Duration backoff(int retriesDone) {
      long base = limits.backoffBase().toMillis() << Math.min(retriesDone, 16);
      long jitter = (long) (random.nextDouble() * base / 4);
      return Duration.ofMillis(base + jitter);
    }

    private void sleep(Duration wait, GatewayException failure) {
      try {
        sleeper.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClientClosedException(
            "The client went away during a retry wait; no further attempts.", e);
      }
    }

    private void checkBudget() {
      if (Thread.currentThread().isInterrupted()) {
        throw new ClientClosedException("The client went away; no further attempts.", null);
      }
      if (attempts >= limits.maxAttempts()) {
        throw new UpstreamFailureException(
            null,
            "The request used its " + limits.maxAttempts() + " upstream attempts.",
            false,
            null);
      }
      if (clock.instant().isAfter(deadline)) {
        throw new UpstreamTimeoutException(limits.deadline(), null);
      }
    }

    private boolean budgetSpent() {
      return attempts >= limits.maxAttempts()
          || clock.instant().isAfter(deadline)
          || Thread.currentThread().isInterrupted();
    }
  }

  /**
   * An arm's name in the sticky table, the log and the header: its {@code name}, else its index.
   */
  private static String armOf(TargetNode target, List<TargetNode> targets) {
    return target.settings().name() != null
        ? target.settings().name()
        : Integer.toString(targets.indexOf(target));
  }

  /** The target an arm names, or {@code null} when the group no longer has it. */
  private static TargetNode targetNamed(List<TargetNode> targets, String arm) {
    for (int i = 0; i < targets.size(); i++) {
      TargetNode target = targets.get(i);
      if (arm.equals(armOf(target, targets))) {
        return target;
      }
    }
    return null;
  }

  private static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  /**
   * Whether a failure tells that the upstream is unwell. A client that left ({@link
   * ClientClosedException}) never does, however many leave: their cancels must not open the circuit
   * for everyone else.
   */
  private static boolean countsAgainstCircuit(GatewayException failure) {
    return switch (failure) {
      case ProviderErrorException provider -> provider.status() >= 500 || provider.status() == 429;
      case UpstreamTimeoutException timeout -> true;
      case UpstreamFailureException connection -> true;
      default -> false;
    };
  }

  /** The request body as JSON, for conditions on {@code params}. */
  private static JsonNode params(Operation operation) {
    Object body =
        switch (operation) {
          case Operation.Chat chat -> chat.request();
          case Operation.TextCompletion completion -> completion.request();
          case Operation.Embedding embedding -> embedding.request();
          case Operation.ListModels models -> null;
          case Operation.Messages messages -> messages.request();
          case Operation.Responses responses -> responses.request();
          case Operation.CountTokens count -> count.request();
          case Operation.PassThrough passThrough -> null;
        };
    return body == null
        ? JsonNodeFactory.instance.objectNode()
        : WireJson.mapper().valueToTree(body);
  }

  /** The operation with {@code override_params} written over its body's fields. */
  static Operation withOverrides(Operation operation, ObjectNode overrides) {
    if (overrides == null || overrides.isEmpty()) {
      return operation;
    }
    return switch (operation) {
      case Operation.Chat chat ->
          new Operation.Chat(
              merged(chat.request(), overrides, dev.switchboard.wire.ChatRequest.class));
      case Operation.TextCompletion completion ->
          new Operation.TextCompletion(
              merged(
                  completion.request(), overrides, dev.switchboard.wire.CompletionRequest.class));
      case Operation.Embedding embedding ->
          new Operation.Embedding(
              merged(embedding.request(), overrides, dev.switchboard.wire.EmbeddingRequest.class));
      case Operation.ListModels models -> operation;
      case Operation.Messages messages ->
          new Operation.Messages(mergedTree(messages.request(), overrides));
      case Operation.Responses responses ->
          new Operation.Responses(mergedTree(responses.request(), overrides));
      case Operation.CountTokens count ->
          new Operation.CountTokens(mergedTree(count.request(), overrides));
      case Operation.PassThrough passThrough -> operation;
    };
  }

  private static ObjectNode mergedTree(ObjectNode body, ObjectNode overrides) {
    JsonNode model = overrides.get("model");
    if (model != null && !model.isTextual()) {
      throw invalidOverride("model", "a string");
    }
    ObjectNode tree = body.deepCopy();
    tree.setAll(overrides);
    return tree;
  }

  private static <T> T merged(T body, ObjectNode overrides, Class<T> type) {
    ObjectNode tree = WireJson.mapper().valueToTree(body);
    tree.setAll(overrides);
    try {
      return WireJson.convert(tree, type);
    } catch (dev.switchboard.wire.WireFormatException wrongType) {
      // An override the request's type cannot take (an array for the model): the config's fault.
      String field =
          wrongType.getCause()
                      instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
                  && !mapping.getPath().isEmpty()
                  && mapping.getPath().getFirst().getFieldName() != null
              ? mapping.getPath().getFirst().getFieldName()
              : null;
      throw invalidOverride(field, "the type the request takes");
    }
  }

  private static InvalidRequestException invalidOverride(String field, String expected) {
    String name = field == null ? "override_params" : "override_params." + field;
    return new InvalidRequestException(
        "Invalid config passed: " + name + " must be " + expected + ".", name, null);
  }

  /** A stream whose first event was already read. */
  private static final class PeekedStream<T> implements ResponseStream<T> {
    private final ResponseStream<T> stream;
    private T first;
    private boolean firstTaken;

    private PeekedStream(ResponseStream<T> stream, T first) {
      this.stream = stream;
      this.first = first;
    }

    static <T> PeekedStream<T> of(ResponseStream<T> stream) {
      try {
        return new PeekedStream<>(stream, stream.next());
      } catch (RuntimeException failure) {
        stream.close();
        throw failure;
      }
    }

    @Override
    public List<Map.Entry<String, String>> headers() {
      return stream.headers();
    }

    @Override
    public T next() {
      if (!firstTaken) {
        firstTaken = true;
        T event = first;
        first = null;
        return event;
      }
      return stream.next();
    }

    @Override
    public void close() {
      stream.close();
    }
  }
}
