package dev.switchboard.access;

import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.access.admin.DefaultAccessAdmin;
import dev.switchboard.access.keys.KeyAuthenticator;
import dev.switchboard.access.limits.LimitStage;
import dev.switchboard.access.limits.Limiter;
import dev.switchboard.access.limits.Limiters;
import dev.switchboard.access.store.AccessStore;
import dev.switchboard.access.store.StoreCache;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.cluster.SingletonJobs;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.pricing.PriceTable;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the gateway, with what, and how much: the access layer built from {@link
 * AccessSettings}. {@link #install} puts it into a gateway (the admission stage that authenticates
 * and authorizes every request, the virtual keys the router resolves); {@link #admin} is what the
 * admin API and CLI drive; {@link #authenticate} serves the server's own routes. When the settings
 * turn it off, nothing is installed and every request is admitted as without it.
 */
public final class Access implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Access.class);

  /** The workspace keys are made in when none is named; exists from the start. */
  public static final String DEFAULT_WORKSPACE = "default";

  private final AccessSettings settings;
  private final AccessStore store;
  private final SecretBox box;
  private final KeyAuthenticator authenticator;
  private final StoreCache cache;
  private final Callers callers = new Callers();
  private final AccessAdmin admin;
  private final Limiter limiter;

  private Access(
      AccessSettings settings,
      AccessStore store,
      SecretBox box,
      StoreCache cache,
      KeyAuthenticator authenticator,
      Limiter limiter,
      AccessAdmin admin) {
    this.limiter = limiter;
    this.settings = settings;
    this.store = store;
    this.box = box;
    this.cache = cache;
    this.authenticator = authenticator;
    this.admin = admin;
  }

  /**
   * Opens the store (creating its tables and the {@value #DEFAULT_WORKSPACE} workspace when absent)
   * and re-encrypts any virtual key not under the current master key.
   *
   * @throws IllegalArgumentException when a master-key setting is not base64 of 32 bytes
   * @throws IllegalStateException when the store cannot be opened, or a stored virtual key is
   *     encrypted under a master key that is neither the current one nor a previous one listed
   */
  public static Access start(AccessSettings settings, Clock clock) {
    if (!settings.enabled()) {
      return new Access(settings, null, null, null, null, null, disabledAdmin());
    }
    MasterKeys masterKeys =
        MasterKeys.of(
            settings.masterKey(), settings.masterKeyFile(), settings.previousMasterKeys());
    SecretBox box = new SecretBox(masterKeys);
    AccessStore store = AccessStore.open(settings.jdbcUrl());
    try {
      store.insertWorkspace(
          new AccessAdmin.Workspace(
              DEFAULT_WORKSPACE, DEFAULT_WORKSPACE, Limits.NONE, clock.instant(), null));
      try {
        // One gateway of a cluster at a time: the others skip it, as the one that holds the lock
        // re-encrypts the same rows (SingletonJobs).
        SingletonJobs.runAlone(
            store.dataSource(),
            "vault-reencryption",
            () -> DefaultAccessAdmin.reencrypt(store, box));
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(
            "the access store cannot be reached to re-encrypt virtual keys: " + e.getMessage(), e);
      } catch (SecretBox.VaultException e) {
        throw new IllegalStateException(
            e.getMessage()
                + " Set access.master-key to the key they were stored with, or list it in"
                + " access.previous-master-keys.",
            e);
      }
      StoreCache cache = new StoreCache(store, settings.keyCacheTtl(), clock);
      KeyAuthenticator authenticator = new KeyAuthenticator(cache, clock);
      Limiter limiter =
          Limiters.create(
              store.dataSource(),
              store.postgres(),
              settings.redisUrl(),
              settings.alertWebhook(),
              clock);
      AccessAdmin admin = new DefaultAccessAdmin(store, box, cache, limiter::usage, clock);
      LOG.info(
          "access: store {}, keys {}, virtual keys {}",
          store.postgres() ? "postgresql" : "embedded",
          settings.requireKeys() ? "required" : "optional",
          masterKeys.present()
              ? "under master key " + masterKeys.currentId()
              : "off (no master key)");
      return new Access(settings, store, box, cache, authenticator, limiter, admin);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /**
   * Puts the access layer into a gateway being built: the admission stage (authentication and
   * authorization, then the limits) and the virtual keys. Does nothing when access is off.
   *
   * @param prices what requests are estimated at against budgets
   */
  public void install(Gateway.Builder builder, PriceTable prices) {
    if (store == null) {
      return;
    }
    LimitStage limits = new LimitStage(limiter, prices, settings.unpriced(), this::subjectsOf);
    builder.recordSink(limits);
    install(builder, limits, limits);
  }

  /**
   * Installs with the stage run after authentication and authorization (the limits, which read
   * {@link #subjectsOf}) and the admission of each attempt that uses a virtual key.
   */
  void install(
      Gateway.Builder builder, Stage afterAuthentication, AttemptAdmission attemptAdmission) {
    if (store == null) {
      return;
    }
    builder.admission(
        new AccessStage(this::authenticate, cache::workspaceLimits, callers, afterAuthentication));
    builder.attemptAdmission(
        new AttemptAuthorization(callers, cache::workspaceCustomHosts, settings.requireKeys()));
    builder.virtualKeys(new StoredVirtualKeys(cache, box, callers, attemptAdmission));
  }

  /** The admin operations (when access is off, each answers 404 saying so). */
  public AccessAdmin admin() {
    return admin;
  }

  /**
   * The caller holding {@code presentedKey}, for the server's routes outside the engine: {@link
   * Principal#ANONYMOUS} for none where keys are not required (or when access is off).
   *
   * @throws AccessDeniedException 401 for a missing (where required), malformed, unknown, revoked
   *     or expired key
   */
  public Principal authenticate(String presentedKey) {
    if (store == null) {
      return Principal.ANONYMOUS;
    }
    if (presentedKey == null || presentedKey.isEmpty()) {
      if (settings.requireKeys()) {
        throw AccessDeniedException.unauthenticated(
            "missing_api_key",
            "A gateway key is required: send it as x-portkey-api-key or Authorization: Bearer.");
      }
      return Principal.ANONYMOUS;
    }
    return authenticator.authenticate(presentedKey);
  }

  /**
   * The credential ({@code api_key}) of a virtual key the operator named in the settings file, for
   * a call the gateway makes on its own account (an upstream MCP server's bearer token), decrypted
   * now and to be forgotten after the call. Not for callers' requests: no key's scope is checked.
   *
   * @param name {@code workspace/slug}, or {@code slug} in the {@value #DEFAULT_WORKSPACE}
   *     workspace
   * @throws IllegalStateException when access is off, no master key is set, or the virtual key is
   *     missing or revoked (the message names it, never its credential)
   */
  public String operatorCredential(String name) {
    if (store == null || !box.canSeal()) {
      throw new IllegalStateException(
          "the virtual key '"
              + name
              + "' cannot be read: it needs access.enabled and a master key (access.master-key)");
    }
    int slash = name.indexOf('/');
    String workspace = slash < 0 ? DEFAULT_WORKSPACE : name.substring(0, slash);
    String slug = slash < 0 ? name : name.substring(slash + 1);
    dev.switchboard.access.store.VirtualKeyRow row =
        cache
            .virtualKey(workspace, slug)
            .filter(found -> found.revokedAt() == null)
            .orElseThrow(() ->
                new IllegalStateException("no virtual key '" + name + "' (or it is revoked)"));
    return box.open(row.qualifiedSlug(), row.ciphertext(), row.masterKeyId())
        .get(dev.switchboard.access.store.VirtualKeyRow.API_KEY);
  }

  /**
   * Takes one request from each subject's requests-per-minute limit, or none of them: the MCP
   * gateway's tool calls ({@link Subject.Kind#MCP}), in the same rate buckets as the keys' limits
   * (in this process, or in Redis shared by gateways).
   *
   * @throws dev.switchboard.engine.errors.LimitExceededException 429 when a limit is reached
   * @throws IllegalStateException when access is off
   */
  public void admitRates(List<Subject> subjects) {
    if (store == null) {
      throw new IllegalStateException("rate limits need access.enabled");
    }
    limiter
        .admit(subjects, new Limiter.Estimate(java.math.BigDecimal.ZERO, 0))
        .settle(Limiter.Used.NOTHING);
  }

  /** Whether every request needs a gateway key (never when access is off). */
  public boolean keysRequired() {
    return store != null && settings.requireKeys();
  }

  /**
   * Whether the store of keys answers now (always, when access is off): without it, a key that is
   * not in the short cache cannot be checked, so a gateway whose store is away is not ready.
   */
  public boolean storeReachable() {
    return store == null || store.reachable();
  }

  /** Whether access is on. */
  public boolean enabled() {
    return store != null;
  }

  /**
   * The subjects a request in flight is limited as, once the admission stage authenticated it: its
   * workspace, then its key, each with its limits; none for an anonymous caller.
   */
  public List<Subject> subjectsOf(Request request) {
    return callers.of(request).subjects();
  }

  AccessStore store() {
    return store;
  }

  @Override
  public void close() {
    if (store != null) {
      try {
        limiter.close();
      } finally {
        store.close();
      }
    }
  }

  private static AccessAdmin disabledAdmin() {
    // Every operation answers the same way; a proxy says it once instead of seventeen times.
    return (AccessAdmin)
        Proxy.newProxyInstance(
            AccessAdmin.class.getClassLoader(),
            new Class<?>[] {AccessAdmin.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                  case "toString" -> "AccessAdmin[off]";
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new UnsupportedOperationException(method.getName());
                };
              }
              throw AdminException.notFound("The access layer is off (access.enabled=false).");
            });
  }
}
