package dev.switchboard.access.admin;

import static dev.switchboard.engine.errors.AccessDeniedException.forbidden;

import dev.switchboard.access.Access;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.Subject;
import dev.switchboard.access.keys.KeySecrets;
import dev.switchboard.access.keys.NeverWider;
import dev.switchboard.access.limits.Limiter;
import dev.switchboard.access.store.AccessStore;
import dev.switchboard.access.store.KeyRow;
import dev.switchboard.access.store.StoreCache;
import dev.switchboard.access.store.VirtualKeyRow;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.engine.access.GatewayKeys;
import dev.switchboard.engine.providers.ProviderOptions;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin operations on the store. The admin may do everything. A gateway key may act only in its
 * own workspace, only with the permission for it ({@code keys.manage}, {@code virtual_keys.manage},
 * {@code usage.read}), and on keys only within itself: it cannot create a key, or change one into a
 * key, that reaches more (permissions, providers, models, configs, virtual keys), is limited less
 * (or not at all where it is) or expires later than itself, nor change, rotate or revoke a key that
 * is already wider than itself. An anonymous caller may do nothing. Every refusal is a 403 {@code
 * permission_denied}; nothing is logged or answered with a secret.
 */
public final class DefaultAccessAdmin implements AccessAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultAccessAdmin.class);
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern KEY_ID = Pattern.compile("key_[A-Za-z0-9_-]{1,60}");
  private static final Set<String> CREDENTIAL_NAMES = credentialNames();

  private final AccessStore store;
  private final SecretBox box;
  private final StoreCache cache;
  private final Function<Subject, Limiter.Usage> usage;
  private final Clock clock;

  /**
   * @param usage a subject's usage against its limits, from the limits (zero before they count)
   */
  public DefaultAccessAdmin(
      AccessStore store,
      SecretBox box,
      StoreCache cache,
      Function<Subject, Limiter.Usage> usage,
      Clock clock) {
    this.store = store;
    this.box = box;
    this.cache = cache;
    this.usage = usage;
    this.clock = clock;
  }

  // ---- workspaces

  @Override
  public Workspace createWorkspace(Principal actor, String id, String name, Limits limits) {
    requireAdmin(actor, "create workspaces");
    checkId(id, "id");
    requireNoMcpCallLimits(limits, "a workspace");
    Workspace workspace =
        new Workspace(
            id,
            name == null || name.isBlank() ? id : checkName(name),
            limits == null ? Limits.NONE : limits,
            clock.instant(),
            null);
    if (!store.insertWorkspace(workspace)) {
      throw AdminException.conflict("A workspace '" + id + "' exists already.");
    }
    return workspace;
  }

  @Override
  public List<Workspace> workspaces(Principal actor) {
    if (actor.kind() == Principal.Kind.ADMIN) {
      return store.workspaces();
    }
    requireAnyOf(
        actor, Permission.KEYS_MANAGE, Permission.VIRTUAL_KEYS_MANAGE, Permission.USAGE_READ);
    return store.workspace(actor.workspace()).stream().toList();
  }

  @Override
  public Workspace updateWorkspace(Principal actor, String id, Limits limits) {
    // A key raising its own workspace's limits would be the widest escalation of all.
    requireAdmin(actor, "change a workspace's limits");
    checkId(id, "id");
    requireNoMcpCallLimits(limits, "a workspace");
    Limits next = limits == null ? Limits.NONE : limits;
    if (!store.updateWorkspaceLimits(id, next)) {
      throw AdminException.notFound("No workspace '" + id + "'.");
    }
    cache.forgetWorkspace(id);
    return store.workspace(id).orElseThrow();
  }

  @Override
  public Workspace setCustomHosts(Principal actor, String id, List<String> hosts) {
    // The hosts a workspace's keys may send to (and its stored credentials with them).
    requireAdmin(actor, "change a workspace's custom hosts");
    checkId(id, "id");
    List<String> checked = null;
    if (hosts != null) {
      checked = new java.util.ArrayList<>();
      for (String host : hosts) {
        checked.add(checkCustomHost(host));
      }
    }
    if (!store.updateWorkspaceCustomHosts(id, checked)) {
      throw AdminException.notFound("No workspace '" + id + "'.");
    }
    cache.forgetWorkspace(id);
    return store.workspace(id).orElseThrow();
  }

  /** A host name or IP literal, or {@code *.} and a host name; lower-cased. */
  private static String checkCustomHost(String host) {
    String lower = host == null ? "" : host.strip().toLowerCase(java.util.Locale.ROOT);
    if (!CUSTOM_HOST.matcher(lower).matches() || lower.length() > 253) {
      throw AdminException.invalid(
          "custom_hosts: each must be a host name or IP literal (no scheme, port or path), or"
              + " *.suffix for the hosts below a suffix.");
    }
    return lower;
  }

  private static final Pattern CUSTOM_HOST =
      Pattern.compile(
          "(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
              + "|\\[[0-9a-f:.]+\\]");

  // ---- gateway keys

  @Override
  public CreatedKey createKey(Principal actor, KeyRequest request) {
    String workspace = workspaceFor(actor, request.workspace(), Permission.KEYS_MANAGE);
    if (store.workspace(workspace).isEmpty()) {
      throw AdminException.notFound("No workspace '" + workspace + "'.");
    }
    boolean admin = actor.kind() == Principal.Kind.ADMIN;
    // A key that names nothing gets what its maker has: never more, and a working key.
    KeyScopes scopes =
        request.scopes() != null
            ? request.scopes()
            : admin
                ? new KeyScopes(Principal.ANONYMOUS.scopes().permissions(), null, null, null, null)
                : actor.scopes();
    Limits limits =
        request.limits() != null ? request.limits() : admin ? Limits.NONE : actor.limits();
    Instant expiresAt = request.expiresAt() != null ? request.expiresAt() : actor.expiresAt();
    checkScopes(scopes);
    if (!admin) {
      requireWithin(actor, scopes, limits, expiresAt, "create");
    }
    if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
      throw AdminException.invalid("expires_at must be in the future.");
    }
    String secret = KeySecrets.generate();
    KeyRow row =
        new KeyRow(
            KeySecrets.newId("key_"),
            workspace,
            request.name() == null || request.name().isBlank() ? "key" : checkName(request.name()),
            KeySecrets.hash(secret),
            KeySecrets.displayPrefix(secret),
            scopes,
            limits,
            clock.instant(),
            expiresAt,
            null,
            admin ? "admin" : actor.keyId());
    if (!store.insertKey(row)) {
      throw new IllegalStateException("a new key's random id or secret collided; try again");
    }
    LOG.info("gateway key {} created in workspace {} by {}", row.id(), workspace, row.createdBy());
    return new CreatedKey(row.info(), secret);
  }

  @Override
  public List<KeyInfo> keys(Principal actor, String workspace) {
    String listed =
        actor.kind() == Principal.Kind.ADMIN
            ? workspace
            : workspaceFor(actor, workspace, Permission.KEYS_MANAGE);
    return store.keys(listed).stream().map(KeyRow::info).toList();
  }

  @Override
  public KeyInfo key(Principal actor, String id) {
    return keyFor(actor, id, Permission.KEYS_MANAGE).info();
  }

  @Override
  public KeyInfo updateKey(Principal actor, String id, KeyUpdate update) {
    KeyRow current = touchable(actor, id);
    KeyRow next =
        new KeyRow(
            current.id(),
            current.workspace(),
            update.name() == null ? current.name() : checkName(update.name()),
            current.secretHash(),
            current.displayPrefix(),
            update.scopes() == null ? current.scopes() : update.scopes(),
            update.limits() == null ? current.limits() : update.limits(),
            current.createdAt(),
            update.expiresAt() == null ? current.expiresAt() : update.expiresAt(),
            current.revokedAt(),
            current.createdBy());
    checkScopes(next.scopes());
    if (actor.kind() != Principal.Kind.ADMIN) {
      requireWithin(actor, next.scopes(), next.limits(), next.expiresAt(), "change");
    }
    if (!store.updateKey(next)) {
      throw AdminException.notFound("No key '" + id + "'.");
    }
    cache.forgetKey(current.secretHash());
    LOG.info("gateway key {} changed by {}", id, actorName(actor));
    return store.key(id).orElseThrow().info();
  }

  @Override
  public CreatedKey rotateKey(Principal actor, String id) {
    KeyRow current = touchable(actor, id);
    if (current.revokedAt() != null) {
      throw AdminException.conflict("Key '" + id + "' is revoked; a revoked key is not rotated.");
    }
    String secret = KeySecrets.generate();
    if (!store.replaceKeySecret(
        id, current.secretHash(), KeySecrets.hash(secret), KeySecrets.displayPrefix(secret))) {
      throw AdminException.conflict("Key '" + id + "' changed meanwhile; try again.");
    }
    cache.forgetKey(current.secretHash());
    LOG.info("gateway key {} rotated by {}", id, actorName(actor));
    return new CreatedKey(store.key(id).orElseThrow().info(), secret);
  }

  @Override
  public KeyInfo revokeKey(Principal actor, String id) {
    KeyRow current = touchable(actor, id);
    store.revokeKey(id, clock.instant());
    cache.forgetKey(current.secretHash());
    LOG.info("gateway key {} revoked by {}", id, actorName(actor));
    return store.key(id).orElseThrow().info();
  }

  // ---- virtual keys

  @Override
  public VirtualKeyInfo createVirtualKey(Principal actor, VirtualKeyRequest request) {
    String workspace = workspaceFor(actor, request.workspace(), Permission.VIRTUAL_KEYS_MANAGE);
    checkId(request.slug(), "slug");
    requireSlugInScope(actor, request.slug());
    if (request.provider() == null || !ID.matcher(request.provider()).matches()) {
      throw AdminException.invalid("provider must name a provider, e.g. openai.");
    }
    if (!KeyScopes.allows(actor.scopes().providers(), request.provider())) {
      throw forbidden("This gateway key may not use provider '" + request.provider() + "'.");
    }
    Map<String, String> credentials = checkCredentials(request.credentials());
    Limits limits = request.limits() == null ? Limits.NONE : request.limits();
    requireNoMcpCallLimits(limits, "a virtual key");
    requireVirtualKeyLimitsWithin(actor, limits);
    if (store.workspace(workspace).isEmpty()) {
      throw AdminException.notFound("No workspace '" + workspace + "'.");
    }
    SecretBox.Sealed sealed = seal(workspace, request.slug(), credentials);
    Instant now = clock.instant();
    VirtualKeyRow row =
        new VirtualKeyRow(
            workspace,
            request.slug(),
            request.provider(),
            sealed.ciphertext(),
            sealed.masterKeyId(),
            credentials.keySet(),
            limits,
            now,
            null,
            null);
    if (!store.insertVirtualKey(row)) {
      throw AdminException.conflict(
          "Workspace '" + workspace + "' has a virtual key '" + request.slug() + "' already.");
    }
    LOG.info("virtual key {} created by {}", row.qualifiedSlug(), actorName(actor));
    return row.info();
  }

  @Override
  public List<VirtualKeyInfo> virtualKeys(Principal actor, String workspace) {
    String listed =
        actor.kind() == Principal.Kind.ADMIN
            ? workspace
            : workspaceFor(actor, workspace, Permission.VIRTUAL_KEYS_MANAGE);
    return store.virtualKeys(listed).stream()
        .filter(row -> inScope(actor, row.slug()))
        .map(VirtualKeyRow::info)
        .toList();
  }

  @Override
  public VirtualKeyInfo virtualKey(Principal actor, String workspace, String slug) {
    return virtualKeyFor(actor, workspace, slug).info();
  }

  @Override
  public VirtualKeyInfo rotateVirtualKey(
      Principal actor, String workspace, String slug, Map<String, String> credentials) {
    VirtualKeyRow current = virtualKeyFor(actor, workspace, slug);
    if (current.revokedAt() != null) {
      throw AdminException.conflict("Virtual key '" + current.qualifiedSlug() + "' is revoked.");
    }
    Map<String, String> checked = checkCredentials(credentials);
    SecretBox.Sealed sealed = seal(current.workspace(), slug, checked);
    if (!store.replaceCredentials(
        current.workspace(),
        slug,
        sealed.ciphertext(),
        sealed.masterKeyId(),
        checked.keySet(),
        clock.instant())) {
      throw AdminException.conflict("Virtual key '" + current.qualifiedSlug() + "' is revoked.");
    }
    cache.forgetVirtualKey(current.workspace(), slug);
    LOG.info("virtual key {} rotated by {}", current.qualifiedSlug(), actorName(actor));
    return store.virtualKey(current.workspace(), slug).orElseThrow().info();
  }

  @Override
  public VirtualKeyInfo updateVirtualKey(
      Principal actor, String workspace, String slug, Limits limits) {
    VirtualKeyRow current = virtualKeyFor(actor, workspace, slug);
    Limits next = limits == null ? Limits.NONE : limits;
    requireNoMcpCallLimits(next, "a virtual key");
    requireVirtualKeyLimitsWithin(actor, next);
    store.updateVirtualKeyLimits(current.workspace(), slug, next);
    cache.forgetVirtualKey(current.workspace(), slug);
    return store.virtualKey(current.workspace(), slug).orElseThrow().info();
  }

  @Override
  public VirtualKeyInfo revokeVirtualKey(Principal actor, String workspace, String slug) {
    VirtualKeyRow current = virtualKeyFor(actor, workspace, slug);
    store.revokeVirtualKey(current.workspace(), slug, clock.instant());
    cache.forgetVirtualKey(current.workspace(), slug);
    LOG.info("virtual key {} revoked by {}", current.qualifiedSlug(), actorName(actor));
    return store.virtualKey(current.workspace(), slug).orElseThrow().info();
  }

  @Override
  public int reencryptVirtualKeys(Principal actor) {
    requireAdmin(actor, "re-encrypt virtual keys");
    int done = reencrypt(store, box);
    cache.forgetVirtualKeys();
    return done;
  }

  /**
   * Rewrites every stored credential not under the current master key under it.
   *
   * @throws SecretBox.VaultException when one cannot be decrypted with the keys configured
   */
  public static int reencrypt(AccessStore store, SecretBox box) {
    if (!box.canSeal()) {
      return 0;
    }
    int done = 0;
    for (VirtualKeyRow row : store.virtualKeysNotUnder(box.currentKeyId())) {
      Map<String, String> credentials =
          box.open(row.qualifiedSlug(), row.ciphertext(), row.masterKeyId());
      SecretBox.Sealed sealed = box.seal(row.qualifiedSlug(), credentials);
      if (store.reencrypt(
          row.workspace(),
          row.slug(),
          row.masterKeyId(),
          row.ciphertext(),
          sealed.ciphertext(),
          sealed.masterKeyId())) {
        done++;
      }
    }
    if (done > 0) {
      LOG.info("re-encrypted {} virtual keys under master key {}", done, box.currentKeyId());
    }
    return done;
  }

  // ---- usage

  @Override
  public UsageReport usage(Principal actor, Subject.Kind kind, String id) {
    Subject subject =
        switch (kind) {
          case WORKSPACE -> {
            String workspace = workspaceFor(actor, id, Permission.USAGE_READ);
            Workspace found =
                store
                    .workspace(workspace)
                    .orElseThrow(() -> AdminException.notFound("No workspace '" + id + "'."));
            yield new Subject(kind, found.id(), found.limits());
          }
          case KEY -> {
            KeyRow key = keyFor(actor, id, Permission.USAGE_READ);
            yield new Subject(kind, key.id(), key.limits());
          }
          case VIRTUAL_KEY -> {
            int slash = id == null ? -1 : id.indexOf('/');
            if (slash < 0) {
              throw AdminException.invalid("A virtual key's subject is workspace/slug.");
            }
            String workspace = workspaceFor(actor, id.substring(0, slash), Permission.USAGE_READ);
            String slug = id.substring(slash + 1);
            VirtualKeyRow row =
                store
                    .virtualKey(workspace, slug)
                    .orElseThrow(
                        () -> AdminException.notFound("No virtual key '" + safe(id) + "'."));
            yield new Subject(kind, row.qualifiedSlug(), row.limits());
          }
          case MCP ->
              throw AdminException.invalid(
                  "Usage is reported for workspaces, keys and virtual keys; an MCP tool's calls are"
                      + " in the request log and /metrics.");
        };
    return new UsageReport(subject, usage.apply(subject));
  }

  // ---- rules

  private KeyRow keyFor(Principal actor, String id, Permission needed) {
    if (actor.kind() != Principal.Kind.ADMIN) {
      requirePermission(actor, needed);
    }
    KeyRow key =
        (id == null || !KEY_ID.matcher(id).matches()
                ? java.util.Optional.<KeyRow>empty()
                : store.key(id))
            .orElseThrow(() -> AdminException.notFound("No key '" + safe(id) + "'."));
    if (actor.kind() != Principal.Kind.ADMIN && !key.workspace().equals(actor.workspace())) {
      // Another workspace's key is answered as absent: its ids are not to be probed.
      throw AdminException.notFound("No key '" + safe(id) + "'.");
    }
    return key;
  }

  /** A key the actor may change, rotate or revoke: its own workspace's and no wider than itself. */
  private KeyRow touchable(Principal actor, String id) {
    KeyRow key = keyFor(actor, id, Permission.KEYS_MANAGE);
    if (actor.kind() != Principal.Kind.ADMIN) {
      String wider = widerPart(actor, key.scopes(), key.limits(), key.expiresAt());
      if (wider != null) {
        throw forbidden(
            "Key '"
                + id
                + "' reaches further than this gateway key ("
                + wider
                + "); only a key"
                + " at least as wide, or the admin, may change it.");
      }
    }
    return key;
  }

  private VirtualKeyRow virtualKeyFor(Principal actor, String workspace, String slug) {
    String in = workspaceFor(actor, workspace, Permission.VIRTUAL_KEYS_MANAGE);
    if (slug == null || !ID.matcher(slug).matches() || !inScope(actor, slug)) {
      throw AdminException.notFound("No virtual key '" + in + "/" + safe(slug) + "'.");
    }
    return store
        .virtualKey(in, slug)
        .orElseThrow(() -> AdminException.notFound("No virtual key '" + in + "/" + slug + "'."));
  }

  /**
   * The workspace an operation acts in: the one named (the admin: any; a key: only its own) or,
   * when none is named, the key's own (the admin's default workspace).
   */
  private String workspaceFor(Principal actor, String named, Permission needed) {
    switch (actor.kind()) {
      case ADMIN -> {
        String workspace = named == null || named.isBlank() ? Access.DEFAULT_WORKSPACE : named;
        checkId(workspace, "workspace");
        return workspace;
      }
      case KEY -> {
        requirePermission(actor, needed);
        if (named != null && !named.isBlank() && !named.equals(actor.workspace())) {
          throw forbidden("This gateway key may act only in its own workspace.");
        }
        return actor.workspace();
      }
      default -> throw forbidden("Admin operations need the admin token or a gateway key.");
    }
  }

  private void requireWithin(
      Principal actor, KeyScopes scopes, Limits limits, Instant expiresAt, String verb) {
    String wider = widerPart(actor, scopes, limits, expiresAt);
    if (wider != null) {
      throw forbidden(
          "This gateway key may not " + verb + " a key wider than itself (" + wider + ").");
    }
  }

  private static String widerPart(
      Principal actor, KeyScopes scopes, Limits limits, Instant expiresAt) {
    String wider = NeverWider.scopes(scopes, actor.scopes());
    if (wider == null) {
      wider = NeverWider.limits(limits, actor.limits());
    }
    if (wider == null) {
      wider = NeverWider.mcpCallLimits(limits.mcp(), actor.limits().mcp());
    }
    if (wider == null && NeverWider.expiresLater(expiresAt, actor.expiresAt())) {
      wider = "expires_at";
    }
    return wider;
  }

  /**
   * A key may not lift a virtual key's limits above its own: else it could spend through the
   * virtual key what the admin held the workspace's keys to.
   */
  private static void requireVirtualKeyLimitsWithin(Principal actor, Limits limits) {
    if (actor.kind() == Principal.Kind.ADMIN) {
      return;
    }
    String wider = NeverWider.limits(limits, actor.limits());
    if (wider != null) {
      throw forbidden(
          "This gateway key may not give a virtual key limits wider than its own (" + wider + ").");
    }
  }

  /** MCP call limits are a gateway key's own: a workspace or a virtual key makes no tool call. */
  private static void requireNoMcpCallLimits(Limits limits, String whose) {
    if (limits != null && limits.mcp() != null) {
      throw AdminException.invalid(
          "limits.mcp is a gateway key's own limit on its MCP tool calls; "
              + whose
              + " does not take it.");
    }
  }

  private static void requireAdmin(Principal actor, String what) {
    if (actor.kind() != Principal.Kind.ADMIN) {
      throw forbidden("Only the admin may " + what + ".");
    }
  }

  private static void requirePermission(Principal actor, Permission needed) {
    if (actor.kind() != Principal.Kind.KEY || !actor.scopes().permissions().contains(needed)) {
      throw forbidden("This caller lacks the '" + needed.wireName() + "' permission.");
    }
  }

  private static void requireAnyOf(Principal actor, Permission... any) {
    if (actor.kind() == Principal.Kind.KEY) {
      for (Permission permission : any) {
        if (actor.scopes().permissions().contains(permission)) {
          return;
        }
      }
    }
    throw forbidden("This caller may not list workspaces.");
  }

  private static void requireSlugInScope(Principal actor, String slug) {
    if (!inScope(actor, slug)) {
      throw forbidden("This gateway key may not manage virtual key '" + slug + "'.");
    }
  }

  private static boolean inScope(Principal actor, String slug) {
    return KeyScopes.allows(actor.scopes().virtualKeys(), slug);
  }

  private SecretBox.Sealed seal(String workspace, String slug, Map<String, String> credentials) {
    if (!box.canSeal()) {
      throw AdminException.invalid(
          "Virtual keys need a master key: set access.master-key (env"
              + " SWITCHBOARD_ACCESS_MASTER_KEY) or access.master-key-file.");
    }
    return box.seal(VirtualKeyRow.qualify(workspace, slug), credentials);
  }

  private static Map<String, String> checkCredentials(Map<String, String> credentials) {
    if (credentials == null || credentials.isEmpty()) {
      throw AdminException.invalid("credentials must name at least one secret, e.g. api_key.");
    }
    Set<String> unknown = new LinkedHashSet<>();
    credentials.forEach((name, value) -> {
      if (!CREDENTIAL_NAMES.contains(name)) {
        unknown.add(name);
      }
      if (value == null || value.isEmpty()) {
        throw AdminException.invalid("credentials." + name + " must not be empty.");
      }
    });
    if (!unknown.isEmpty()) {
      throw AdminException.invalid(
          "credentials may be api_key and "
              + String.join(", ", new java.util.TreeSet<>(ProviderOptions.NAMES))
              + "; not "
              + String.join(", ", unknown.stream().map(DefaultAccessAdmin::safe).toList())
              + ".");
    }
    return Map.copyOf(credentials);
  }

  /** Scopes are names of things, a bounded number of them: a key's row has a bounded size. */
  private static void checkScopes(KeyScopes scopes) {
    Map<String, Set<String>> named = new java.util.LinkedHashMap<>();
    named.put("providers", scopes.providers());
    named.put("models", scopes.models());
    named.put("configs", scopes.configs());
    named.put("virtual_keys", scopes.virtualKeys());
    named.put("mcp", scopes.mcp());
    named.forEach((field, names) -> {
      if (names == null) {
        return;
      }
      if (names.size() > 500) {
        throw AdminException.invalid("scopes." + field + " may name at most 500.");
      }
      for (String name : names) {
        if (name == null
            || name.isEmpty()
            || name.length() > 200
            || name.chars().anyMatch(Character::isISOControl)) {
          throw AdminException.invalid(
              "scopes." + field + " must be names of 1 to 200 printable characters.");
        }
      }
    });
  }

  private static void checkId(String id, String field) {
    if (id == null || !ID.matcher(id).matches()) {
      throw AdminException.invalid(
          field + " must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit.");
    }
  }

  private static String checkName(String name) {
    if (name.length() > 200 || name.chars().anyMatch(Character::isISOControl)) {
      throw AdminException.invalid("name must be at most 200 printable characters.");
    }
    return name;
  }

  private static String safe(String text) {
    if (text == null) {
      return "";
    }
    String printable =
        text.codePoints()
            .filter(c -> !Character.isISOControl(c))
            .limit(64)
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString();
    // A gateway key pasted where an id belongs is not echoed back.
    return GatewayKeys.looksLikeGatewayKey(printable) ? GatewayKeys.PREFIX + "…" : printable;
  }

  private static String actorName(Principal actor) {
    return actor.kind() == Principal.Kind.ADMIN ? "admin" : "key " + actor.keyId();
  }

  private static Set<String> credentialNames() {
    Set<String> names = new LinkedHashSet<>(ProviderOptions.NAMES);
    names.add(VirtualKeyRow.API_KEY);
    return Set.copyOf(names);
  }
}
