package dev.switchboard.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.access.admin.AccessAdmin.KeyRequest;
import dev.switchboard.access.admin.AccessAdmin.KeyUpdate;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.errors.AccessDeniedException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A key with {@code keys.manage} mints and changes keys only within itself, in its own workspace:
 * every way a child could reach further, be limited less or live longer is refused with 403, and a
 * key already wider than the manager cannot be touched by it.
 */
class NeverWiderTest {
  static final Set<Permission> MANAGER_PERMISSIONS =
      Set.of(Permission.COMPLETIONS, Permission.KEYS_MANAGE, Permission.USAGE_READ);
  static final KeyScopes MANAGER_SCOPES =
      new KeyScopes(
          MANAGER_PERMISSIONS,
          Set.of("openai"),
          Set.of("gpt-4o-mini", "gpt-4o"),
          Set.of("prod"),
          Set.of("openai-a"));

  final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
  final Instant managerExpiry = clock.instant().plus(Duration.ofDays(30));
  final Limits managerLimits = new Limits(60L, 10_000L, budget("10.00", Period.MONTH));
  Access access;
  AccessAdmin admin;
  Principal manager;

  static Budget budget(String usd, Period period) {
    return new Budget(new BigDecimal(usd), null, period, List.of());
  }

  @BeforeEach
  void start() {
    access =
        Access.start(
            AccessSettings.inMemory().withMasterKeys(AccessFixtures.MASTER_KEY_1, List.of()),
            clock);
    admin = access.admin();
    admin.createWorkspace(Principal.ADMIN, "a", "A", null);
    admin.createWorkspace(Principal.ADMIN, "b", "B", null);
    var created =
        admin.createKey(
            Principal.ADMIN,
            new KeyRequest("a", "manager", MANAGER_SCOPES, managerLimits, managerExpiry));
    manager = access.authenticate(created.secret());
  }

  @AfterEach
  void stop() {
    access.close();
  }

  KeyScopes narrow() {
    return new KeyScopes(
        Set.of(Permission.COMPLETIONS),
        Set.of("openai"),
        Set.of("gpt-4o-mini"),
        Set.of("prod"),
        Set.of("openai-a"));
  }

  Limits lower() {
    return new Limits(30L, 5_000L, budget("5.00", Period.MONTH));
  }

  Instant sooner() {
    return clock.instant().plus(Duration.ofDays(10));
  }

  KeyRequest request(KeyScopes scopes, Limits limits, Instant expiresAt) {
    return new KeyRequest("a", "child", scopes, limits, expiresAt);
  }

  @Test
  void aManagerCreatesANarrowerKeyInItsWorkspaceThatWorks() {
    var child = admin.createKey(manager, request(narrow(), lower(), sooner()));

    Principal caller = access.authenticate(child.secret());
    assertThat(caller.workspace()).isEqualTo("a");
    assertThat(caller.scopes()).isEqualTo(narrow());
    assertThat(child.key().createdBy()).isEqualTo(manager.keyId());
  }

  @Test
  void aKeyThatNamesNothingGetsItsMakersScopesLimitsAndExpiry() {
    var child = admin.createKey(manager, new KeyRequest(null, "copy", null, null, null));

    assertThat(child.key().workspace()).isEqualTo("a");
    assertThat(child.key().scopes()).isEqualTo(MANAGER_SCOPES);
    assertThat(child.key().limits()).isEqualTo(managerLimits);
    assertThat(child.key().expiresAt()).isEqualTo(managerExpiry);
  }

  @Test
  void everyWayToMintAWiderKeyIsRefused() {
    KeyScopes n = narrow();
    Map<String, KeyRequest> wider = new java.util.LinkedHashMap<>();
    wider.put(
        "a permission it lacks -> (permissions)",
        request(
            scopes(Set.of(Permission.COMPLETIONS, Permission.EMBEDDINGS), n), lower(), sooner()));
    wider.put(
        "virtual_keys.manage -> (permissions)",
        request(scopes(Set.of(Permission.VIRTUAL_KEYS_MANAGE), n), lower(), sooner()));
    wider.put(
        "any provider -> (providers)",
        request(
            new KeyScopes(n.permissions(), null, n.models(), n.configs(), n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "another provider -> (providers)",
        request(
            new KeyScopes(
                n.permissions(),
                Set.of("openai", "anthropic"),
                n.models(),
                n.configs(),
                n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "any model -> (models)",
        request(
            new KeyScopes(n.permissions(), n.providers(), null, n.configs(), n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "another model -> (models)",
        request(
            new KeyScopes(
                n.permissions(), n.providers(), Set.of("gpt-4"), n.configs(), n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "any config -> (configs)",
        request(
            new KeyScopes(n.permissions(), n.providers(), n.models(), null, n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "inline configs -> (configs)",
        request(
            new KeyScopes(
                n.permissions(),
                n.providers(),
                n.models(),
                Set.of("prod", "inline"),
                n.virtualKeys()),
            lower(),
            sooner()));
    wider.put(
        "any virtual key -> (virtual_keys)",
        request(
            new KeyScopes(n.permissions(), n.providers(), n.models(), n.configs(), null),
            lower(),
            sooner()));
    wider.put(
        "a higher rpm -> (requests_per_minute)",
        request(n, new Limits(61L, 5_000L, budget("5.00", Period.MONTH)), sooner()));
    wider.put(
        "no rpm -> (requests_per_minute)",
        request(n, new Limits(null, 5_000L, budget("5.00", Period.MONTH)), sooner()));
    wider.put(
        "no tpm -> (tokens_per_minute)",
        request(n, new Limits(30L, null, budget("5.00", Period.MONTH)), sooner()));
    wider.put("no budget -> (budget)", request(n, new Limits(30L, 5_000L, null), sooner()));
    wider.put("no limits at all -> (requests_per_minute)", request(n, Limits.NONE, sooner()));
    wider.put(
        "a higher budget -> (budget.cost_usd)",
        request(n, new Limits(30L, 5_000L, budget("10.01", Period.MONTH)), sooner()));
    wider.put(
        "a budget of another period -> (budget.period)",
        request(n, new Limits(30L, 5_000L, budget("10.00", Period.DAY)), sooner()));
    wider.put("a later expiry -> (expires_at)", request(n, lower(), managerExpiry.plusSeconds(1)));
    wider.put(
        "another workspace -> its own workspace",
        new KeyRequest("b", "child", n, lower(), sooner()));

    // A key with no expiry cannot be asked for: a request without expires_at inherits the
    // maker's, and an update without it keeps the key's.
    wider.forEach((what, request) -> {
      String because = what.substring(what.indexOf(" -> ") + 4);
      assertForbidden(() -> admin.createKey(manager, request), "create: " + what);
      assertThatThrownBy(() -> admin.createKey(manager, request))
          .as(what)
          .hasMessageContaining(because);
    });
    assertThat(admin.keys(Principal.ADMIN, "a")).hasSize(1);
    assertThat(admin.keys(Principal.ADMIN, "b")).isEmpty();
  }

  @Test
  void aNeverRenewingBudgetNoLargerThanTheManagersIsNarrower() {
    var child =
        admin.createKey(
            manager,
            request(narrow(), new Limits(30L, 5_000L, budget("10.00", Period.NEVER)), sooner()));

    assertThat(child.key().limits().budget().period()).isEqualTo(Period.NEVER);
  }

  @Test
  void aManagerCannotChangeItsKeyIntoAWiderOne() {
    var child = admin.createKey(manager, request(narrow(), lower(), sooner()));
    String id = child.key().id();

    assertForbidden(
        () ->
            admin.updateKey(
                manager, id, new KeyUpdate(null, MANAGER_SCOPES_PLUS_EMBEDDINGS, null, null)),
        "wider scopes");
    assertForbidden(
        () -> admin.updateKey(manager, id, new KeyUpdate(null, null, Limits.NONE, null)),
        "no limits");
    assertForbidden(
        () ->
            admin.updateKey(
                manager, id, new KeyUpdate(null, null, null, managerExpiry.plusSeconds(60))),
        "later expiry");
    var renamed =
        admin.updateKey(
            manager,
            id,
            new KeyUpdate(
                "renamed", null, new Limits(10L, 100L, budget("1.00", Period.MONTH)), null));
    assertThat(renamed.name()).isEqualTo("renamed");
    assertThat(admin.key(Principal.ADMIN, id).scopes()).isEqualTo(narrow());
  }

  static final KeyScopes MANAGER_SCOPES_PLUS_EMBEDDINGS =
      new KeyScopes(
          Set.of(Permission.COMPLETIONS, Permission.EMBEDDINGS),
          Set.of("openai"),
          Set.of("gpt-4o-mini"),
          Set.of("prod"),
          Set.of("openai-a"));

  @Test
  void aManagerCannotChangeRotateOrRevokeAKeyWiderThanItself() {
    var wide =
        admin.createKey(Principal.ADMIN, new KeyRequest("a", "wide", KeyScopes.ALL, null, null));
    String id = wide.key().id();

    assertForbidden(
        () -> admin.updateKey(manager, id, new KeyUpdate(null, narrow(), lower(), sooner())),
        "narrowing a wider key");
    assertForbidden(() -> admin.rotateKey(manager, id), "rotate");
    assertForbidden(() -> admin.revokeKey(manager, id), "revoke");
    assertThat(access.authenticate(wide.secret()).scopes()).isEqualTo(KeyScopes.ALL);
  }

  @Test
  void aManagerRotatesAndRevokesItsOwnKindOfKey() {
    var child = admin.createKey(manager, request(narrow(), lower(), sooner()));

    var rotated = admin.rotateKey(manager, child.key().id());
    assertThatThrownBy(() -> access.authenticate(child.secret()))
        .isInstanceOf(AccessDeniedException.class);
    admin.revokeKey(manager, child.key().id());
    assertThatThrownBy(() -> access.authenticate(rotated.secret()))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void anotherWorkspacesKeysAreNotThereForAManager() {
    var other =
        admin.createKey(Principal.ADMIN, new KeyRequest("b", "other", narrow(), lower(), sooner()));

    for (ThrowingCallable touch :
        List.<ThrowingCallable>of(
            () -> admin.key(manager, other.key().id()),
            () -> admin.revokeKey(manager, other.key().id()),
            () -> admin.rotateKey(manager, other.key().id()))) {
      assertThatThrownBy(touch)
          .isInstanceOfSatisfying(AdminException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
    assertForbidden(() -> admin.keys(manager, "b"), "list b");
    assertThat(admin.keys(manager, null)).extracting(k -> k.workspace()).containsOnly("a");
    assertThat(access.authenticate(other.secret()).keyId()).isEqualTo(other.key().id());
  }

  @Test
  void workspacesTheirLimitsAndReencryptionAreTheAdminsAlone() {
    assertForbidden(() -> admin.createWorkspace(manager, "c", "C", null), "create a workspace");
    assertForbidden(
        () -> admin.updateWorkspace(manager, "a", Limits.NONE), "lift its workspace's limits");
    assertForbidden(() -> admin.reencryptVirtualKeys(manager), "re-encrypt");
    assertThat(admin.workspaces(manager))
        .extracting(AccessAdmin.Workspace::id)
        .containsExactly("a");
  }

  @Test
  void aKeyWithoutKeysManageAndAnAnonymousCallerManageNothing() {
    var plain =
        admin.createKey(Principal.ADMIN, new KeyRequest("a", "plain", narrow(), null, null));
    Principal holder = access.authenticate(plain.secret());

    assertForbidden(() -> admin.createKey(holder, request(narrow(), lower(), sooner())), "create");
    assertForbidden(() -> admin.keys(holder, null), "list");
    assertForbidden(
        () -> admin.createKey(Principal.ANONYMOUS, request(narrow(), lower(), sooner())),
        "anonymous create");
    assertForbidden(() -> admin.keys(Principal.ANONYMOUS, null), "anonymous list");
    assertForbidden(() -> admin.workspaces(Principal.ANONYMOUS), "anonymous workspaces");
  }

  @Test
  void aVirtualKeyManagerActsOnlyWithinItsOwnWorkspaceSlugsProvidersAndLimits() {
    var created =
        admin.createKey(
            Principal.ADMIN,
            new KeyRequest(
                "a",
                "vk-manager",
                new KeyScopes(
                    Set.of(Permission.VIRTUAL_KEYS_MANAGE),
                    Set.of("openai"),
                    null,
                    null,
                    Set.of("openai-a")),
                new Limits(60L, null, null),
                null));
    Principal vkManager = access.authenticate(created.secret());
    Map<String, String> credentials = Map.of("api_key", "sk-x");

    var made =
        admin.createVirtualKey(
            vkManager,
            new AccessAdmin.VirtualKeyRequest(
                null, "openai-a", "openai", credentials, new Limits(30L, null, null)));
    assertThat(made.workspace()).isEqualTo("a");
    assertForbidden(
        () ->
            admin.createVirtualKey(
                vkManager,
                new AccessAdmin.VirtualKeyRequest(
                    "b", "openai-a", "openai", credentials, new Limits(30L, null, null))),
        "another workspace");
    assertForbidden(
        () ->
            admin.createVirtualKey(
                vkManager,
                new AccessAdmin.VirtualKeyRequest(
                    null, "openai-b", "openai", credentials, new Limits(30L, null, null))),
        "a slug outside its scope");
    assertForbidden(
        () -> admin.updateVirtualKey(vkManager, null, "openai-a", Limits.NONE),
        "lifting the virtual key's limits");
    assertForbidden(
        () -> admin.createKey(vkManager, request(narrow(), lower(), sooner())), "minting keys");
  }

  @Test
  void scopesNameABoundedNumberOfPrintableNames() {
    for (Set<String> models :
        List.of(
            Set.of("gpt\u0000"),
            Set.of("m".repeat(201)),
            java.util.stream.IntStream.range(0, 501)
                .mapToObj(i -> "m" + i)
                .collect(java.util.stream.Collectors.toSet()))) {
      assertThatThrownBy(() ->
              admin.createKey(
                  Principal.ADMIN,
                  new KeyRequest(
                      "a",
                      "k",
                      new KeyScopes(Set.of(Permission.COMPLETIONS), null, models, null, null),
                      null,
                      null)))
          .isInstanceOfSatisfying(AdminException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
  }

  @Test
  void usageIsReadInTheCallersOwnWorkspaceOnly() {
    var report = admin.usage(manager, Subject.Kind.KEY, manager.keyId());

    assertThat(report.subject().limits()).isEqualTo(managerLimits);
    assertThat(report.usage().requestsThisMinute()).isZero();
    assertThat(admin.usage(manager, Subject.Kind.WORKSPACE, "a").subject().id()).isEqualTo("a");
    assertForbidden(() -> admin.usage(manager, Subject.Kind.WORKSPACE, "b"), "usage of b");
  }

  static KeyScopes scopes(Set<Permission> permissions, KeyScopes rest) {
    return new KeyScopes(
        permissions, rest.providers(), rest.models(), rest.configs(), rest.virtualKeys());
  }

  static void assertForbidden(ThrowingCallable call, String what) {
    assertThatThrownBy(call)
        .as(what)
        .isInstanceOfSatisfying(
            AccessDeniedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.code()).isEqualTo("permission_denied");
            });
  }
}
