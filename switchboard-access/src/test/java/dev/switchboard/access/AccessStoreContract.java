package dev.switchboard.access;

import static dev.switchboard.access.AccessFixtures.MASTER_KEY_1;
import static dev.switchboard.access.AccessFixtures.MASTER_KEY_2;
import static dev.switchboard.access.AccessFixtures.MASTER_KEY_3;
import static dev.switchboard.access.AccessFixtures.chat;
import static dev.switchboard.access.AccessFixtures.gateway;
import static dev.switchboard.access.AccessFixtures.key;
import static dev.switchboard.access.AccessFixtures.rawRows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.testkit.FakeOpenAi;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the access store guarantees, run against each database: keys stored only as hashes and
 * authenticated by them, virtual keys encrypted at rest and readable across restarts and master-key
 * changes. Each subclass names a store that outlives one {@link Access}, so a restart is tested.
 */
abstract class AccessStoreContract {
  final TestClock clock = new TestClock(Instant.parse("2026-03-01T10:00:00Z"));
  final String workspace = "ws-" + UUID.randomUUID().toString().substring(0, 8);
  Access access;
  String storeUrl;

  /** A store URL that a second {@link Access} opened later sees the same data at. */
  abstract String newStoreUrl();

  AccessSettings settings(String masterKey, List<String> previous) {
    return AccessSettings.defaults()
        .withStoreUrl(storeUrl)
        .withMasterKeys(masterKey, previous)
        .withKeyCacheTtl(Duration.ofMinutes(10));
  }

  @BeforeEach
  void open() {
    storeUrl = newStoreUrl();
    access = Access.start(settings(MASTER_KEY_1, List.of()), clock);
    access.admin().createWorkspace(Principal.ADMIN, workspace, "Test", Limits.NONE);
  }

  @AfterEach
  void close() {
    access.close();
  }

  @Test
  void aNewKeyIsShownOnceAndOnlyItsHashIsStored() throws Exception {
    AccessAdmin.CreatedKey created = key(access, workspace);
    String secret = created.secret();

    assertThat(secret).startsWith("sbk-").hasSize(47);
    assertThat(created.toString()).doesNotContain(secret);
    assertThat(created.key().displayPrefix()).isEqualTo(secret.substring(0, 8));
    assertThat(access.admin().key(Principal.ADMIN, created.key().id()).toString())
        .doesNotContain(secret);
    List<Object> row = rawRows(access, "access_keys");
    assertThat(row).asString().doesNotContain(secret).doesNotContain(secret.substring(8));
    assertThat(row).contains(sha256Hex(secret));
  }

  @Test
  void aGoodKeyAuthenticatesAsItsWorkspaceWithItsScopes() {
    AccessAdmin.CreatedKey created = key(access, workspace);

    Principal caller = access.authenticate(created.secret());

    assertThat(caller.kind()).isEqualTo(Principal.Kind.KEY);
    assertThat(caller.keyId()).isEqualTo(created.key().id());
    assertThat(caller.workspace()).isEqualTo(workspace);
    assertThat(caller.scopes()).isEqualTo(created.key().scopes());
  }

  @Test
  void unknownRevokedExpiredAndMalformedKeysAreRefusedWithOneAnswerThatNeverQuotesThem() {
    AccessAdmin.CreatedKey revoked = key(access, workspace);
    access.admin().revokeKey(Principal.ADMIN, revoked.key().id());
    AccessAdmin.CreatedKey expiring =
        access
            .admin()
            .createKey(
                Principal.ADMIN,
                new AccessAdmin.KeyRequest(
                    workspace,
                    "short-lived",
                    AccessFixtures.scopes(AccessFixtures.MODEL_ROUTES),
                    null,
                    clock.instant().plus(Duration.ofMinutes(1))));
    assertThat(access.authenticate(expiring.secret()).keyId()).isEqualTo(expiring.key().id());
    clock.advance(Duration.ofMinutes(2));
    String wellFormedUnknown = "sbk-" + "A".repeat(43);
    String good = key(access, workspace).secret();

    List<String> refused =
        List.of(
            wellFormedUnknown,
            revoked.secret(),
            expiring.secret(),
            good.substring(0, 20) + "\0" + good.substring(21),
            good + "\0",
            "sbk-" + "A".repeat(10 * 1024),
            "\u0455bk-" + good.substring(4), // Cyrillic dze, a look-alike of 's'
            "sbk-" + good.substring(4, 46) + "\u0430", // Cyrillic a at the end
            "' OR 1=1 --",
            "sbk-' OR 1=1 --" + "A".repeat(28),
            "sbk-AAAA'; DROP TABLE access_keys; --AAAAAAAAAAAA",
            good.toUpperCase(java.util.Locale.ROOT),
            good + "A",
            " " + good,
            "sbk-");

    for (String presented : refused) {
      assertThatThrownBy(() -> access.authenticate(presented))
          .as("presented %s", presented.length() > 60 ? presented.length() + " chars" : presented)
          .isInstanceOfSatisfying(
              AccessDeniedException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.code()).isEqualTo("invalid_api_key");
                assertThat(e.getMessage()).isEqualTo("The gateway key is not valid.");
              });
    }
    assertThat(access.authenticate(good).kind()).isEqualTo(Principal.Kind.KEY);
  }

  @Test
  void rotatingAKeyStopsTheOldSecretAtOnceAndKeepsItsIdAndScopes() {
    AccessAdmin.CreatedKey created = key(access, workspace);
    assertThat(access.authenticate(created.secret()).keyId()).isEqualTo(created.key().id());

    AccessAdmin.CreatedKey rotated = access.admin().rotateKey(Principal.ADMIN, created.key().id());

    assertThat(rotated.secret()).isNotEqualTo(created.secret());
    assertThat(rotated.key().id()).isEqualTo(created.key().id());
    assertThat(rotated.key().scopes()).isEqualTo(created.key().scopes());
    assertThatThrownBy(() -> access.authenticate(created.secret()))
        .isInstanceOf(AccessDeniedException.class);
    assertThat(access.authenticate(rotated.secret()).keyId()).isEqualTo(created.key().id());
  }

  @Test
  void revokingAKeyStopsItAtOnceThoughItWasRemembered() {
    AccessAdmin.CreatedKey created = key(access, workspace);
    access.authenticate(created.secret());

    access.admin().revokeKey(Principal.ADMIN, created.key().id());

    assertThatThrownBy(() -> access.authenticate(created.secret()))
        .isInstanceOf(AccessDeniedException.class);
  }

  @Test
  void virtualKeyCredentialsAreNotInTheStoreInAnyForm() throws Exception {
    String providerKey = "sk-canary-" + UUID.randomUUID();
    String awsSecret = "aws-canary-" + UUID.randomUUID();
    AccessAdmin.VirtualKeyInfo info =
        access
            .admin()
            .createVirtualKey(
                Principal.ADMIN,
                new AccessAdmin.VirtualKeyRequest(
                    workspace,
                    "openai-main",
                    "openai",
                    Map.of("api_key", providerKey, "aws_secret_access_key", awsSecret),
                    null));

    assertThat(info.credentialNames())
        .containsExactlyInAnyOrder("api_key", "aws_secret_access_key");
    assertThat(info.toString()).doesNotContain(providerKey).doesNotContain(awsSecret);
    List<Object> values = rawRows(access, "access_virtual_keys");
    for (String secret : List.of(providerKey, awsSecret)) {
      byte[] plain = secret.getBytes(StandardCharsets.UTF_8);
      List<String> forms =
          List.of(
              secret,
              Base64.getEncoder().encodeToString(plain),
              Base64.getUrlEncoder().withoutPadding().encodeToString(plain),
              URLEncoder.encode(secret, StandardCharsets.UTF_8),
              sha256Hex(secret),
              HexFormat.of().formatHex(plain));
      for (Object value : values) {
        byte[] bytes =
            value instanceof byte[] raw ? raw : ((String) value).getBytes(StandardCharsets.UTF_8);
        for (String form : forms) {
          assertThat(indexOf(bytes, form.getBytes(StandardCharsets.UTF_8)))
              .as("a stored column holds the secret as %s", form.equals(secret) ? "is" : form)
              .isEqualTo(-1);
        }
      }
    }
  }

  @Test
  void virtualKeysDecryptAfterARestartWithTheSameMasterKey() {
    AccessAdmin.CreatedKey caller = key(access, workspace);
    createVirtualKey("openai-main", "sk-stored-before-restart");
    access.close();

    access = Access.start(settings(MASTER_KEY_1, List.of()), clock);

    assertThat(providerKeySentFor(caller.secret(), "openai-main"))
        .isEqualTo("Bearer sk-stored-before-restart");
  }

  @Test
  void aNewMasterKeyReencryptsEveryVirtualKeyAndTheOldOneIsThenNotNeeded() throws Exception {
    AccessAdmin.CreatedKey caller = key(access, workspace);
    createVirtualKey("one", "sk-one");
    createVirtualKey("two", "sk-two");
    access.close();

    access = Access.start(settings(MASTER_KEY_2, List.of(MASTER_KEY_1)), clock);
    assertThat(rawRows(access, "access_virtual_keys"))
        .contains(masterKeyId(MASTER_KEY_2))
        .doesNotContain(masterKeyId(MASTER_KEY_1));
    assertThat(access.admin().reencryptVirtualKeys(Principal.ADMIN)).isZero();
    access.close();

    access = Access.start(settings(MASTER_KEY_2, List.of()), clock);
    assertThat(providerKeySentFor(caller.secret(), "one")).isEqualTo("Bearer sk-one");
    assertThat(providerKeySentFor(caller.secret(), "two")).isEqualTo("Bearer sk-two");
  }

  @Test
  void aWrongMasterKeyStopsTheStartWithAMessageNamingTheSetting() {
    createVirtualKey("openai-main", "sk-under-key-1");
    access.close();

    assertThatThrownBy(() -> Access.start(settings(MASTER_KEY_3, List.of()), clock))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("master key " + masterKeyId(MASTER_KEY_1))
        .hasMessageContaining("access.previous-master-keys")
        .message()
        .doesNotContain(MASTER_KEY_1)
        .doesNotContain(MASTER_KEY_3);
    access = Access.start(settings(MASTER_KEY_1, List.of()), clock);
  }

  @Test
  void aMasterKeyThatIsNotBase64Of32BytesIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> Access.start(settings("c2hvcnQ=", List.of()), clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("access.master-key")
        .message()
        .doesNotContain("c2hvcnQ=");
  }

  @Test
  void withoutAMasterKeyVirtualKeysCannotBeCreatedAndTheRestWorks() {
    access.close();
    access = Access.start(settings(null, List.of()), clock);

    assertThatThrownBy(() -> createVirtualKey("openai-main", "sk-x"))
        .isInstanceOfSatisfying(
            AdminException.class,
            e -> {
              assertThat(e.status()).isEqualTo(400);
              assertThat(e.getMessage()).contains("access.master-key");
            });
    assertThat(access.authenticate(key(access, workspace).secret()).workspace())
        .isEqualTo(workspace);
  }

  @Test
  void workspacesAreCreatedListedAndLimitedByTheAdmin() {
    Limits limits =
        new Limits(
            60L,
            null,
            new Budget(new BigDecimal("5.00"), null, Period.MONTH, List.of(new BigDecimal("0.8"))));

    access.admin().updateWorkspace(Principal.ADMIN, workspace, limits);

    assertThat(access.admin().workspaces(Principal.ADMIN))
        .extracting(AccessAdmin.Workspace::id)
        .contains(Access.DEFAULT_WORKSPACE, workspace);
    assertThat(
            access.admin().workspaces(Principal.ADMIN).stream()
                .filter(w -> w.id().equals(workspace))
                .findFirst()
                .orElseThrow()
                .limits())
        .isEqualTo(limits);
    assertThatThrownBy(
            () -> access.admin().createWorkspace(Principal.ADMIN, workspace, "again", null))
        .isInstanceOfSatisfying(AdminException.class, e -> assertThat(e.status()).isEqualTo(409));
  }

  void createVirtualKey(String slug, String providerKey) {
    access
        .admin()
        .createVirtualKey(
            Principal.ADMIN,
            new AccessAdmin.VirtualKeyRequest(
                workspace, slug, "openai", Map.of("api_key", providerKey), null));
  }

  String providerKeySentFor(String gatewayKey, String slug) {
    try (FakeOpenAi openai = FakeOpenAi.start();
        Gateway gateway = gateway(access, openai)) {
      gateway.chat(
          chat("gpt-4o-mini"),
          RequestOptions.builder().gatewayKey(gatewayKey).virtualKey(slug).build());
      return openai.requests().getFirst().header("authorization");
    }
  }

  static String sha256Hex(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String masterKeyId(String base64) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(base64));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
