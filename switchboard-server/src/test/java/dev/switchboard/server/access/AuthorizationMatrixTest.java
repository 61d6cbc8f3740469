package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.Permission;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.server.Route;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route the server lists ({@link SwitchboardServer#routes()}, read at runtime, so a route
 * added later is in the matrix without editing it) is called by every kind of caller, with tricky
 * tokens and with each spelling of its path, over HTTP against a real server with {@code
 * access.require-keys=true}. A cell is expected to be allowed or denied by what the route table
 * says the route needs and what the caller's key holds; then:
 *
 * <ul>
 *   <li>an unexpected 2xx is a cell expected denied that answered 2xx;
 *   <li>an escalation is a caller getting data or an effect it must not: an unexpected 2xx, another
 *       workspace's keys, virtual keys or usage in a 2xx body, or (in the probes) a key minted or
 *       changed wider than its maker.
 * </ul>
 */
class AuthorizationMatrixTest {
  static final String MODEL = "matrix-model-x";
  static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path logs;

  /** A caller: how it presents itself, and what it holds. */
  record Caller(
      String name,
      Kind kind,
      List<String[]> headers,
      String workspace,
      Set<Permission> permissions) {
    enum Kind {
      NONE,
      INVALID,
      KEY,
      ADMIN
    }

    boolean holds(Permission permission) {
      return kind == Kind.KEY && permission != null && permissions.contains(permission);
    }
  }

  /** One request of the matrix and its answer. */
  record Cell(
      Route route,
      String method,
      Caller caller,
      PathVariants.Variant variant,
      boolean expectAllowed,
      RawHttp.Answer answer) {}

  AccessGateway gateway;
  String workspaceA;
  String workspaceB;
  AccessGateway.CreatedKey keyA;
  AccessGateway.CreatedKey keyB;
  AccessGateway.CreatedKey narrow;
  AccessGateway.CreatedKey held;
  FakeOpenAi fakeOpenAi;
  AccessGateway.CreatedKey standingVictim;
  String slugA;
  String slugB;
  final AtomicInteger serial = new AtomicInteger();

  @Test
  void everyRouteAnswersEachCallerAsTheRouteTableAndTheCallersScopesSay() throws Exception {
    long started = System.nanoTime();
    String adminToken = "sbadm-" + randomText(24);
    AccessSettings access =
        AccessSettings.inMemory()
            .withRequireKeys(true)
            .withMasterKeys(Base64.getEncoder().encodeToString(randomBytes(32)), List.of());
    try (FakeOpenAi openai = FakeOpenAi.start();
        AccessGateway started1 =
            AccessGateway.start(
                AccessGateway.Options.of(access, adminToken)
                    .withProviderBaseUrls(Map.of("openai", openai.baseUrl()))
                    .withObservability(
                        ObservabilitySettings.defaults()
                            .withDataDirectory(logs)
                            .withTracing(dev.switchboard.observe.tracing.TracingMode.OFF)))) {
      fakeOpenAi = openai;
      gateway = started1;
      String run = randomText(6).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "x");
      workspaceA = "ws-alpha-" + run;
      workspaceB = "ws-bravo-" + run;
      gateway.createWorkspace(workspaceA, null);
      gateway.createWorkspace(workspaceB, null);
      String all = permissionsJson(EnumSet.allOf(Permission.class));
      keyA = gateway.createKey(workspaceA, "key-a", "{\"permissions\":" + all + "}", null);
      keyB = gateway.createKey(workspaceB, "key-b", "{\"permissions\":" + all + "}", null);
      narrow =
          gateway.createKey(
              workspaceA,
              "narrow",
              "{\"permissions\":[\"embeddings\"],\"models\":[\"" + MODEL + "\"]}",
              null);
      held =
          gateway.createKey(
              workspaceA,
              "held",
              "{\"permissions\":[\"completions\",\"passthrough\"],\"models\":[\"" + MODEL + "\"]}",
              null);
      standingVictim = victimKey();
      slugA = "vk-a-" + run;
      slugB = "vk-b-" + run;
      gateway.createVirtualKey(workspaceA, slugA, "mock", "sk-mock-a-" + run, null);
      gateway.createVirtualKey(workspaceB, slugB, "mock", "sk-mock-b-" + run, null);

      List<Caller> callers = callers(adminToken);
      List<Route> routes = SwitchboardServer.routes();
      List<Cell> cells = runMatrix(routes, callers);
      List<String> probes = escalationProbes();
      report(routes, callers, cells, probes, started);
    }
  }

  // --- the callers --------------------------------------------------------------------------

  List<Caller> callers(String adminToken) {
    Set<Permission> all = EnumSet.allOf(Permission.class);
    List<Caller> callers = new ArrayList<>();
    callers.add(new Caller("none", Caller.Kind.NONE, List.of(), null, Set.of()));
    callers.add(
        new Caller(
            "malformed",
            Caller.Kind.INVALID,
            List.<String[]>of(new String[] {"x-portkey-api-key", "not-a-gateway-key"}),
            null,
            Set.of()));
    callers.add(key("key A", keyA, workspaceA, all));
    callers.add(key("key B", keyB, workspaceB, all));
    callers.add(key("narrow key", narrow, workspaceA, EnumSet.of(Permission.EMBEDDINGS)));
    callers.add(
        new Caller(
            "admin token",
            Caller.Kind.ADMIN,
            List.<String[]>of(new String[] {"authorization", "Bearer " + adminToken}),
            null,
            Set.of()));
    callers.add(
        new Caller(
            "key A as Bearer",
            Caller.Kind.KEY,
            List.<String[]>of(new String[] {"authorization", "Bearer " + keyA.secret()}),
            workspaceA,
            all));
    TrickyTokens.derivedFrom(keyA.secret())
        .forEach((name, token) -> {
          callers.add(
              new Caller(
                  "tricky: " + name,
                  Caller.Kind.INVALID,
                  List.<String[]>of(new String[] {"x-portkey-api-key", token}),
                  null,
                  Set.of()));
          callers.add(
              new Caller(
                  "tricky as Bearer: " + name,
                  Caller.Kind.INVALID,
                  List.<String[]>of(new String[] {"authorization", "Bearer " + token}),
                  null,
                  Set.of()));
        });
    return callers;
  }

  static Caller key(
      String name, AccessGateway.CreatedKey key, String workspace, Set<Permission> permissions) {
    return new Caller(
        name,
        Caller.Kind.KEY,
        List.<String[]>of(new String[] {"x-portkey-api-key", key.secret()}),
        workspace,
        permissions);
  }

  // --- what a cell is expected to do ------------------------------------------------------

  /**
   * Whether the route table and the caller's key allow the call. Targets of the admin API's routes
   * (keys, virtual keys, usage) are workspace A's.
   */
  boolean expectAllowed(Route route, Caller caller) {
    return switch (route.surface()) {
      case PUBLIC -> true;
      case GATEWAY -> caller.holds(route.permission());
      case OPERATOR -> caller.kind() == Caller.Kind.ADMIN;
      case ADMIN_API ->
          caller.kind() == Caller.Kind.ADMIN
              || (caller.holds(route.permission()) && workspaceA.equals(caller.workspace()));
    };
  }

  // --- running the matrix -----------------------------------------------------------------

  List<Cell> runMatrix(List<Route> routes, List<Caller> callers) throws Exception {
    List<Future<Cell>> pending = new ArrayList<>();
    Semaphore parallel = new Semaphore(8);
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Route route : routes) {
        for (String method : methods(route)) {
          for (Caller caller : callers) {
            boolean allowed = expectAllowed(route, caller);
            for (PathVariants.Variant variant : PathVariants.of(route.samplePath())) {
              pending.add(
                  threads.submit(() -> {
                    parallel.acquire();
                    try {
                      return call(route, method, caller, variant, allowed);
                    } finally {
                      parallel.release();
                    }
                  }));
            }
          }
        }
      }
      List<Cell> cells = new ArrayList<>();
      for (Future<Cell> cell : pending) {
        cells.add(cell.get());
      }
      return cells;
    }
  }

  static List<String> methods(Route route) {
    List<String> methods = new ArrayList<>();
    for (String method : route.methods()) {
      if (method.equals("*")) {
        methods.add("GET");
        methods.add("POST");
      } else if (!method.equals("HEAD")) {
        methods.add(method);
      }
    }
    return methods;
  }

  Cell call(
      Route route, String method, Caller caller, PathVariants.Variant variant, boolean allowed) {
    // Only a caller holding something can change a key, so only its cells get a target of their
    // own; the others share one bait per route (any 2xx of theirs is a finding anyway).
    boolean holdsSomething = caller.kind() == Caller.Kind.KEY || caller.kind() == Caller.Kind.ADMIN;
    Target target = target(route, method, holdsSomething);
    String path = fill(variant.rawPath(), target) + target.query();
    List<String[]> headers = new ArrayList<>(caller.headers());
    if (route.surface() == Route.Surface.GATEWAY) {
      headers.add(new String[] {"x-portkey-provider", "mock"});
    }
    RawHttp.Answer answer = RawHttp.send(gateway.port(), method, path, headers, target.body());
    return new Cell(route, method, caller, variant, allowed, answer);
  }

  /** What a cell's path parameters, query and body are. */
  record Target(Map<String, String> parameters, String query, String body) {}

  /**
   * The path parameters, query and body of a call. A call that changes a key or virtual key gets
   * one made for it (in workspace A), so that no cell's effect changes another cell's.
   */
  Target target(Route route, String method, boolean ownTarget) {
    int n = serial.incrementAndGet();
    String path = route.path();
    boolean changes = !method.equals("GET") && ownTarget;
    Map<String, String> parameters = new TreeMap<>();
    String query = "";
    String body = null;
    if (path.startsWith("/v1/admin/keys")) {
      parameters.put(
          "id",
          changes
              ? victimKey().id()
              : method.equals("GET") ? standingVictim.id() : bait(route).id());
      if (route.surface() == Route.Surface.ADMIN_API && path.equals("/v1/admin/keys")) {
        query = method.equals("GET") ? "?workspace=" + workspaceA : "";
        body =
            method.equals("POST")
                ? "{\"workspace\":\""
                    + workspaceA
                    + "\",\"name\":\"minted-"
                    + n
                    + "\",\"scopes\":{\"permissions\":[\"completions\"]},"
                    + "\"limits\":{\"requests_per_minute\":5}}"
                : null;
      } else if (method.equals("PATCH")) {
        body = "{\"name\":\"renamed-" + n + "\"}";
      }
    } else if (path.startsWith("/v1/admin/virtual-keys")) {
      parameters.put("workspace", workspaceA);
      parameters.put(
          "slug", changes ? victimVirtualKey(n) : method.equals("GET") ? slugA : baitSlug(route));
      if (path.equals("/v1/admin/virtual-keys")) {
        query = method.equals("GET") ? "?workspace=" + workspaceA : "";
        body =
            method.equals("POST")
                ? "{\"workspace\":\""
                    + workspaceA
                    + "\",\"slug\":\"vk-new-"
                    + n
                    + "\",\"provider\":\"mock\",\"credentials\":{\"api_key\":\"sk-new-"
                    + n
                    + "\"}}"
                : null;
      } else if (method.equals("PATCH")) {
        body = "{\"limits\":{\"requests_per_minute\":100}}";
      } else if (path.endsWith("/rotate")) {
        body = "{\"credentials\":{\"api_key\":\"sk-rotated-" + n + "\"}}";
      }
    } else if (path.startsWith("/v1/admin/workspaces")) {
      parameters.put("id", workspaceA);
      body =
          method.equals("POST")
              ? "{\"id\":\"ws-new-" + n + "\",\"name\":\"new " + n + "\"}"
              : method.equals("PATCH") ? "{\"limits\":{\"requests_per_minute\":100000}}" : null;
    } else if (path.equals("/v1/logs/export")) {
      query = "?format=jsonl";
    } else if (path.equals("/v1/admin/usage")) {
      query = "?subject=key:" + standingVictim.id();
    } else if (path.equals("/v1/admin/virtual-keys/reencrypt")) {
      body = "{}";
    } else if (route.surface() == Route.Surface.GATEWAY || method.equals("POST")) {
      body = gatewayBody(path, method);
    }
    if (body == null && method.equals("POST")) {
      body = "{}";
    }
    return new Target(parameters, query, body);
  }

  static String gatewayBody(String path, String method) {
    if (method.equals("GET")) {
      return null;
    }
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    return switch (path) {
      case "/v1/chat/completions" ->
          "{\"model\":\"" + MODEL + "\"," + messages + ",\"max_tokens\":5}";
      case "/v1/completions" -> "{\"model\":\"" + MODEL + "\",\"prompt\":\"hi\",\"max_tokens\":5}";
      case "/v1/embeddings" -> "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}";
      case "/v1/messages" -> "{\"model\":\"" + MODEL + "\"," + messages + ",\"max_tokens\":5}";
      case "/v1/messages/count_tokens" -> "{\"model\":\"" + MODEL + "\"," + messages + "}";
      case "/v1/feedback" -> "{\"trace_id\":\"matrix-trace\",\"value\":1}";
      default -> "{\"model\":\"" + MODEL + "\"," + messages + ",\"max_tokens\":5}";
    };
  }

  static String fill(String rawPath, Target target) {
    String path = rawPath;
    for (Map.Entry<String, String> parameter : target.parameters().entrySet()) {
      path = path.replace("sample-" + parameter.getKey(), parameter.getValue());
      path =
          path.replace(
              ("sample-" + parameter.getKey()).toUpperCase(Locale.ROOT),
              parameter.getValue().toUpperCase(Locale.ROOT));
      path =
          path.replace(
              capitalised("sample-" + parameter.getKey()), capitalised(parameter.getValue()));
    }
    return path;
  }

  static String capitalised(String segment) {
    return segment.isEmpty()
        ? segment
        : Character.toUpperCase(segment.charAt(0)) + segment.substring(1);
  }

  final Map<Route, AccessGateway.CreatedKey> baits = new ConcurrentHashMap<>();
  final Map<Route, String> baitSlugs = new ConcurrentHashMap<>();

  AccessGateway.CreatedKey bait(Route route) {
    return baits.computeIfAbsent(route, r -> victimKey());
  }

  String baitSlug(Route route) {
    return baitSlugs.computeIfAbsent(route, r -> victimVirtualKey(serial.incrementAndGet()));
  }

  AccessGateway.CreatedKey victimKey() {
    return gateway.createKey(
        workspaceA,
        "victim-" + serial.incrementAndGet(),
        "{\"permissions\":[\"completions\"]}",
        "{\"requests_per_minute\":10}");
  }

  String victimVirtualKey(int n) {
    String slug = "vk-victim-" + n;
    gateway.createVirtualKey(workspaceA, slug, "mock", "sk-victim-" + n, null);
    return slug;
  }

  // --- escalation probes ------------------------------------------------------------------

  /**
   * Direct attempts at what a caller must never do; each answer that is 2xx is an escalation.
   * Returns a line per probe: its name, status, and whether it escalated.
   */
  List<String> escalationProbes() {
    List<String> lines = new ArrayList<>();
    AccessGateway.CreatedKey manager =
        gateway.createKey(
            workspaceA,
            "manager",
            "{\"permissions\":[\"completions\",\"keys.manage\"]}",
            "{\"requests_per_minute\":100}");
    String[] asManager = {"x-portkey-api-key", manager.secret()};
    String[] asNarrow = {"x-portkey-api-key", narrow.secret()};
    String[] asB = {"x-portkey-api-key", keyB.secret()};
    String[] asA = {"x-portkey-api-key", keyA.secret()};
    String narrower =
        "{\"workspace\":\""
            + workspaceA
            + "\",\"name\":\"child\",\"scopes\":{\"permissions\":[\"completions\"]},"
            + "\"limits\":{\"requests_per_minute\":10}}";
    // A control: the manager may mint a narrower key; the probes below must all be refused.
    var control = gateway.send("POST", "/v1/admin/keys", narrower, asManager);
    lines.add(probeLine("control: manager mints a narrower key", control.statusCode(), false));
    String childId =
        control.statusCode() / 100 == 2 ? WireJson.tree(control.body()).path("id").asText() : null;

    Map<String, java.net.http.HttpResponse<String>> probes = new java.util.LinkedHashMap<>();
    probes.put(
        "narrow key mints a key", gateway.send("POST", "/v1/admin/keys", narrower, asNarrow));
    probes.put(
        "manager mints a key with more permissions",
        gateway.send(
            "POST",
            "/v1/admin/keys",
            narrower.replace("[\"completions\"]", "[\"completions\",\"embeddings\"]"),
            asManager));
    probes.put(
        "manager mints a key with keys.manage and usage.read",
        gateway.send(
            "POST",
            "/v1/admin/keys",
            narrower.replace(
                "[\"completions\"]", "[\"completions\",\"keys.manage\",\"usage.read\"]"),
            asManager));
    probes.put(
        "manager mints a key without limits",
        gateway.send(
            "POST",
            "/v1/admin/keys",
            "{\"workspace\":\""
                + workspaceA
                + "\",\"name\":\"unlimited\",\"scopes\":{\"permissions\":[\"completions\"]}}",
            asManager));
    probes.put(
        "manager mints a key with a higher rpm",
        gateway.send(
            "POST",
            "/v1/admin/keys",
            narrower.replace("\"requests_per_minute\":10", "\"requests_per_minute\":1000"),
            asManager));
    probes.put(
        "manager mints a key in workspace B",
        gateway.send(
            "POST", "/v1/admin/keys", narrower.replace(workspaceA, workspaceB), asManager));
    probes.put(
        "manager widens key A's limits",
        gateway.send(
            "PATCH",
            "/v1/admin/keys/" + keyA.id(),
            "{\"limits\":{\"requests_per_minute\":1}}",
            asManager));
    probes.put(
        "manager rotates key A (wider than itself)",
        gateway.send("POST", "/v1/admin/keys/" + keyA.id() + "/rotate", null, asManager));
    probes.put(
        "manager revokes key A (wider than itself)",
        gateway.send("DELETE", "/v1/admin/keys/" + keyA.id(), null, asManager));
    if (childId != null) {
      probes.put(
          "manager widens its child's permissions",
          gateway.send(
              "PATCH",
              "/v1/admin/keys/" + childId,
              "{\"scopes\":{\"permissions\":[\"completions\",\"embeddings\"]}}",
              asManager));
      probes.put(
          "manager lifts its child's limits above its own",
          gateway.send(
              "PATCH",
              "/v1/admin/keys/" + childId,
              "{\"limits\":{\"requests_per_minute\":5000}}",
              asManager));
    }
    probes.put(
        "manager widens itself",
        gateway.send(
            "PATCH",
            "/v1/admin/keys/" + manager.id(),
            "{\"scopes\":{\"permissions\":[\"completions\",\"keys.manage\",\"embeddings\"]}}",
            asManager));
    probes.put(
        "manager creates a workspace",
        gateway.send(
            "POST", "/v1/admin/workspaces", "{\"id\":\"ws-evil\",\"name\":\"x\"}", asManager));
    probes.put(
        "key A creates a workspace",
        gateway.send("POST", "/v1/admin/workspaces", "{\"id\":\"ws-evil2\",\"name\":\"x\"}", asA));
    probes.put("key A lists workspaces", gateway.send("GET", "/v1/admin/workspaces", null, asA));
    probes.put(
        "key B lists workspace A's keys",
        gateway.send("GET", "/v1/admin/keys?workspace=" + workspaceA, null, asB));
    probes.put("key B reads key A", gateway.send("GET", "/v1/admin/keys/" + keyA.id(), null, asB));
    probes.put(
        "key B revokes key A", gateway.send("DELETE", "/v1/admin/keys/" + keyA.id(), null, asB));
    probes.put(
        "key B rotates key A",
        gateway.send("POST", "/v1/admin/keys/" + keyA.id() + "/rotate", null, asB));
    probes.put(
        "key B reads key A's usage",
        gateway.send("GET", "/v1/admin/usage?subject=key:" + keyA.id(), null, asB));
    probes.put(
        "key B reads workspace A's usage",
        gateway.send("GET", "/v1/admin/usage?subject=workspace:" + workspaceA, null, asB));
    probes.put(
        "key B reads A's virtual key's usage",
        gateway.send(
            "GET", "/v1/admin/usage?subject=virtual_key:" + workspaceA + "/" + slugA, null, asB));
    probes.put(
        "key B reads A's virtual key",
        gateway.send("GET", "/v1/admin/virtual-keys/" + workspaceA + "/" + slugA, null, asB));
    probes.put(
        "key B lists A's virtual keys",
        gateway.send("GET", "/v1/admin/virtual-keys?workspace=" + workspaceA, null, asB));
    probes.put(
        "key B re-encrypts virtual keys",
        gateway.send("POST", "/v1/admin/virtual-keys/reencrypt", "{}", asB));
    String chat =
        "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    probes.put(
        "key B uses A's virtual key by header",
        gateway.send(
            "POST", "/v1/chat/completions", chat, asB[0], asB[1], "x-portkey-virtual-key", slugA));
    probes.put(
        "key B uses A's virtual key as workspace/slug",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            asB[0],
            asB[1],
            "x-portkey-virtual-key",
            workspaceA + "/" + slugA));
    probes.put(
        "key B uses A's virtual key in a config",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            asB[0],
            asB[1],
            "x-portkey-config",
            "{\"virtual_key\":\"" + slugA + "\"}"));
    probes.put(
        "narrow key chats",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            asNarrow[0],
            asNarrow[1],
            "x-portkey-provider",
            "mock"));
    probes.put(
        "narrow key embeds another model",
        gateway.send(
            "POST",
            "/v1/embeddings",
            "{\"model\":\"other-model\",\"input\":\"hi\"}",
            asNarrow[0],
            asNarrow[1],
            "x-portkey-provider",
            "mock"));
    probes.put(
        "narrow key embeds its model through a config overriding the model",
        gateway.send(
            "POST",
            "/v1/embeddings",
            "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}",
            asNarrow[0],
            asNarrow[1],
            "x-portkey-config",
            "{\"provider\":\"mock\",\"override_params\":{\"model\":\"other-model\"}}"));
    probes.put(
        "narrow key embeds through a nested fallback target overriding the model",
        gateway.send(
            "POST",
            "/v1/embeddings",
            "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}",
            asNarrow[0],
            asNarrow[1],
            "x-portkey-config",
            "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"strategy\":"
                + "{\"mode\":\"loadbalance\"},\"targets\":[{\"provider\":\"mock\","
                + "\"override_params\":{\"model\":\"other-model\"}}]}]}"));
    probes.put(
        "narrow key embeds through a config whose provider is not its own header",
        gateway.send(
            "POST",
            "/v1/embeddings",
            "{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}",
            asNarrow[0],
            asNarrow[1],
            "x-portkey-provider",
            "mock",
            "x-portkey-config",
            "{\"provider\":\"mock\",\"override_params\":{\"model\":\"OTHER-MODEL\"}}"));
    probes.put(
        "narrow key passes through",
        gateway.send(
            "POST",
            "/v1/proxy/chat/completions",
            chat,
            asNarrow[0],
            asNarrow[1],
            "x-portkey-provider",
            "mock"));
    // A key held to one model, trying to send another: through the config's camelCase spelling,
    // and through pass-through bodies the scope check must read exactly as the provider will.
    String[] asHeld = {"x-portkey-api-key", held.secret()};
    String[] toOpenAi = {"x-portkey-provider", "openai"};
    probes.put(
        "held key overrides the model with camelCase overrideParams",
        withConfig(
            chat,
            asHeld,
            "{\"provider\":\"mock\",\"overrideParams\":{\"model\":\"other-model\"}}"));
    probes.put(
        "held key overrides the model with camelCase overrideParams in a nested target",
        withConfig(
            chat,
            asHeld,
            "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"strategy\":"
                + "{\"mode\":\"loadbalance\"},\"targets\":[{\"provider\":\"mock\","
                + "\"overrideParams\":{\"model\":\"other-model\"}}]}]}"));
    String other = "{\"model\":\"other-model\",\"input\":\"hi\"}";
    upstreamProbe(
        probes,
        "held key passes through another model behind a UTF-8 byte-order mark",
        () ->
            moderation(
                asHeld,
                concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(other)),
                "application/json"));
    upstreamProbe(
        probes,
        "held key passes through another model in UTF-16",
        () -> moderation(asHeld, other.getBytes(StandardCharsets.UTF_16BE), "application/json"));
    upstreamProbe(
        probes,
        "held key passes through another model gzipped",
        () ->
            moderation(
                asHeld,
                gzip(utf8(other)),
                "application/json",
                new String[] {"content-encoding", "gzip"}));
    upstreamProbe(
        probes,
        "held key passes through another model form-encoded",
        () ->
            moderation(
                asHeld, utf8("input=hi&model=other-model"), "application/x-www-form-urlencoded"));
    upstreamProbe(
        probes,
        "held key passes through another model in a multipart part",
        () ->
            moderation(
                asHeld,
                utf8(
                    "--b0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n"
                        + "other-model\r\n--b0undary--\r\n"),
                "multipart/form-data; boundary=b0undary"));
    upstreamProbe(
        probes,
        "held key passes through two model keys, its own last",
        () ->
            moderation(
                asHeld,
                utf8("{\"model\":\"other-model\",\"model\":\"" + MODEL + "\",\"input\":\"hi\"}"),
                "application/json"));
    upstreamProbe(
        probes,
        "held key passes through its model with text after the JSON",
        () ->
            moderation(
                asHeld,
                utf8("{\"model\":\"" + MODEL + "\",\"input\":\"hi\"} {\"model\":\"other-model\"}"),
                "application/json"));
    var heldControl =
        moderation(
            asHeld,
            gzip(utf8("{\"model\":\"" + MODEL + "\",\"input\":\"hi\"}")),
            "application/json",
            new String[] {"content-encoding", "gzip"});
    lines.add(
        probeLine(
            "control: held key passes through its own model gzipped",
            heldControl.statusCode(),
            heldControl.statusCode() != 200));
    probes.put(
        "held key chats through a custom host its workspace does not allow",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            join(asHeld, toOpenAi, new String[] {"x-portkey-custom-host", fakeOpenAi.baseUrl()})));
    probes.put(
        "admin token as a gateway key on chat",
        gateway.send(
            "POST",
            "/v1/chat/completions",
            chat,
            "x-portkey-api-key",
            gateway.adminToken,
            "x-portkey-provider",
            "mock"));
    probes.put(
        "key A as the admin token on the logs",
        gateway.send("GET", "/v1/logs", null, "authorization", "Bearer " + keyA.secret()));
    probes.put(
        "key A on the metrics",
        gateway.send("GET", "/metrics", null, "authorization", "Bearer " + keyA.secret()));
    probes.forEach((name, answer) -> {
      boolean escalated = answer.statusCode() / 100 == 2 || reachedUpstream.contains(name);
      if (escalated && name.equals("manager mints a key without limits")) {
        // Not wider if the new key took its maker's limits instead of none.
        JsonNode limits = WireJson.tree(answer.body()).path("limits");
        escalated = limits.path("requests_per_minute").asLong(Long.MAX_VALUE) > 100;
      }
      lines.add(probeLine(name, answer.statusCode(), escalated));
      if (escalated) {
        JsonNode json = WireJson.tree(answer.body());
        lines.add(
            probeLine(
                "  answered model: " + json.path("model").asText("-"), answer.statusCode(), false));
      }
    });

    // Effects: nothing the denied calls attempted took place.
    var listed =
        WireJson.tree(gateway.admin("GET", "/v1/admin/keys?workspace=" + workspaceA, null).body());
    JsonNode keyAInfo = find(listed, keyA.id());
    boolean keyAIntact =
        keyAInfo != null
            && (keyAInfo.path("revoked_at").isNull() || keyAInfo.path("revoked_at").isMissingNode())
            && gateway
                    .send(
                        "POST",
                        "/v1/chat/completions",
                        chat,
                        asA[0],
                        asA[1],
                        "x-portkey-provider",
                        "mock")
                    .statusCode()
                == 200;
    lines.add(
        probeLine(
            "after: key A still works, unrevoked, unrotated", keyAIntact ? 200 : 0, !keyAIntact));
    return lines;
  }

  /** Names of the probes whose request reached the provider, whatever they answered. */
  final Set<String> reachedUpstream = ConcurrentHashMap.newKeySet();

  /** A probe that escalates too when its request reaches the provider at all. */
  void upstreamProbe(
      Map<String, java.net.http.HttpResponse<String>> probes,
      String name,
      java.util.function.Supplier<java.net.http.HttpResponse<String>> call) {
    int before = fakeOpenAi.requestCount();
    probes.put(name, call.get());
    if (fakeOpenAi.requestCount() != before) {
      reachedUpstream.add(name);
    }
  }

  java.net.http.HttpResponse<String> withConfig(String chat, String[] caller, String config) {
    return gateway.send(
        "POST",
        "/v1/chat/completions",
        chat,
        join(caller, new String[] {"x-portkey-config", config}));
  }

  /** A passed-through moderation request to the fake OpenAI, with raw body bytes. */
  java.net.http.HttpResponse<String> moderation(
      String[] caller, byte[] body, String contentType, String[]... headers) {
    return gateway.sendBytes(
        "POST",
        "/v1/moderations",
        body,
        contentType,
        join(caller, new String[] {"x-portkey-provider", "openai"}, join(headers)));
  }

  static String[] join(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[] first, byte[] second) {
    byte[] both = java.util.Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  static byte[] gzip(byte[] plain) {
    var out = new java.io.ByteArrayOutputStream();
    try (var zip = new java.util.zip.GZIPOutputStream(out)) {
      zip.write(plain);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static JsonNode find(JsonNode listed, String id) {
    JsonNode items = listed.isArray() ? listed : listed.path("data");
    for (JsonNode item : items) {
      if (id.equals(item.path("id").asText())) {
        return item;
      }
    }
    return null;
  }

  static String probeLine(String name, int status, boolean escalated) {
    return name + "\t" + status + "\t" + (escalated ? "ESCALATION" : "ok");
  }

  // --- the report -------------------------------------------------------------------------

  void report(
      List<Route> routes,
      List<Caller> callers,
      List<Cell> cells,
      List<String> probes,
      long started) {
    List<String> foreignA =
        List.of(workspaceA, keyA.id(), narrow.id(), held.id(), standingVictim.id(), slugA);
    List<String> foreignB = List.of(workspaceB, keyB.id(), slugB);
    int unexpected2xx = 0;
    int escalations = 0;
    int allowedRefused = 0;
    List<String> findings = new ArrayList<>();
    Map<String, Integer> canonicalAllowedNot2xx = new TreeMap<>();
    Map<String, int[]> byRoute = new TreeMap<>();
    Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    for (Cell cell : cells) {
      int status = cell.answer().status();
      boolean ok = status / 100 == 2;
      statuses
          .computeIfAbsent(
              (cell.expectAllowed() ? "allowed " : "denied ") + status, s -> new AtomicInteger())
          .incrementAndGet();
      String key = cell.method() + " " + cell.route().path();
      int[] row = byRoute.computeIfAbsent(key, k -> new int[4]);
      row[0]++;
      if (ok) {
        row[1]++;
      }
      String where =
          cell.method()
              + " "
              + cell.route().name()
              + " ["
              + cell.variant().name()
              + " "
              + cell.variant().rawPath()
              + "] as "
              + cell.caller().name();
      if (ok && !cell.expectAllowed()) {
        unexpected2xx++;
        escalations++;
        row[2]++;
        findings.add(
            "UNEXPECTED 2xx " + status + ": " + where + " -> " + abbreviate(cell.answer().body()));
      } else if (ok && cell.caller().kind() == Caller.Kind.KEY) {
        List<String> foreign = workspaceA.equals(cell.caller().workspace()) ? foreignB : foreignA;
        for (String id : foreign) {
          if (cell.answer().body().contains(id)) {
            escalations++;
            row[2]++;
            findings.add("ESCALATION (another workspace's " + id + "): " + where);
            break;
          }
        }
      }
      if (cell.expectAllowed() && cell.variant().canonical() && !ok) {
        String body = abbreviate(cell.answer().body());
        canonicalAllowedNot2xx.merge(
            cell.method()
                + " "
                + cell.route().path()
                + " "
                + status
                + " "
                + body.substring(0, Math.min(100, body.length())),
            1,
            Integer::sum);
      }
      if (cell.expectAllowed() && cell.variant().canonical() && (status == 401 || status == 403)) {
        allowedRefused++;
        row[3]++;
        findings.add(
            "allowed but refused "
                + status
                + ": "
                + where
                + " -> "
                + abbreviate(cell.answer().body()));
      }
    }
    System.out.println(
        "\nAllowed cells on the canonical path that did not answer 2xx (count: answer):");
    canonicalAllowedNot2xx.forEach((k, v) -> System.out.println("  " + v + ": " + k));
    int probeEscalations = (int) probes.stream().filter(l -> l.endsWith("ESCALATION")).count();

    ReportTable perRoute =
        new ReportTable(
            "Authorization matrix by route (cells = callers x path variants)",
            "route",
            "cells",
            "2xx",
            "unexpected",
            "allowed refused");
    byRoute.forEach((route, row) -> perRoute.row(route, row[0], row[1], row[2], row[3]));
    perRoute.print();
    ReportTable status =
        new ReportTable("Answers by expectation and status", "expected / status", "cells");
    new TreeMap<>(statuses).forEach((k, v) -> status.row(k, v.get()));
    status.print();
    ReportTable probeTable = new ReportTable("Escalation probes", "probe", "status", "verdict");
    for (String line : probes) {
      String[] parts = line.split("\t");
      probeTable.row(parts[0], parts[1], parts[2]);
    }
    probeTable.print();
    new ReportTable("Authorization matrix totals", "figure", "value")
        .row("routes (from SwitchboardServer.routes())", routes.size())
        .row("callers (principals + tricky tokens)", callers.size())
        .row("cells", cells.size())
        .row("unexpected 2xx", unexpected2xx)
        .row("escalations (matrix)", escalations)
        .row("escalation probes", probes.size())
        .row("escalations (probes)", probeEscalations)
        .row("allowed cells refused 401/403 (canonical path)", allowedRefused)
        .row("wall time s", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9))
        .print();
    findings.stream().limit(60).forEach(f -> System.out.println("  " + f));

    assertThat(findings.stream().filter(f -> !f.startsWith("allowed")).toList())
        .as("unexpected 2xx and escalations")
        .isEmpty();
    assertThat(probeEscalations).as("escalations in the probes").isZero();
    assertThat(allowedRefused).as("allowed calls refused").isZero();
  }

  static String abbreviate(String body) {
    String flat = body.replaceAll("\\s+", " ");
    return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
  }

  static String permissionsJson(Set<Permission> permissions) {
    List<String> names = new ArrayList<>();
    for (Permission permission : permissions) {
      names.add("\"" + permission.wireName() + "\"");
    }
    return "[" + String.join(",", names) + "]";
  }

  static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  static String randomText(int bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(bytes));
  }
}
