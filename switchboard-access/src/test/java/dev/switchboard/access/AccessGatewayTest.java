package dev.switchboard.access;

import static dev.switchboard.access.AccessFixtures.MASTER_KEY_1;
import static dev.switchboard.access.AccessFixtures.MODEL_ROUTES;
import static dev.switchboard.access.AccessFixtures.chat;
import static dev.switchboard.access.AccessFixtures.gateway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The access layer in an in-process gateway in front of a fake OpenAI: who may call, with what, and
 * which provider key goes upstream. Every refusal is answered before anything is sent.
 */
class AccessGatewayTest {
  FakeOpenAi openai;
  Access access;
  Gateway gateway;
  final List<RequestRecord> records = new CopyOnWriteArrayList<>();
  AccessAdmin.CreatedKey keyA;
  AccessAdmin.CreatedKey keyB;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    access =
        Access.start(
            AccessSettings.inMemory().withRequireKeys(true).withMasterKeys(MASTER_KEY_1, List.of()),
            Clock.systemUTC());
    gateway = gatewayWith(access);
    AccessAdmin admin = access.admin();
    admin.createWorkspace(Principal.ADMIN, "a", "Team A", null);
    admin.createWorkspace(Principal.ADMIN, "b", "Team B", null);
    admin.createVirtualKey(
        Principal.ADMIN,
        new AccessAdmin.VirtualKeyRequest(
            "a", "openai-a", "openai", Map.of("api_key", "sk-stored-for-a"), null));
    keyA = key("a", new KeyScopes(MODEL_ROUTES, null, null, null, null));
    keyB = key("b", new KeyScopes(MODEL_ROUTES, null, null, null, null));
  }

  @AfterEach
  void stop() {
    gateway.close();
    access.close();
    openai.close();
  }

  Gateway gatewayWith(Access installed) {
    return gatewayWith(
        installed,
        GatewaySettings.builder().providerBaseUrl("openai", URI.create(openai.baseUrl())).build());
  }

  Gateway gatewayWith(Access installed, GatewaySettings settings) {
    Gateway.Builder builder = Gateway.builder().settings(settings).recordSink(records::add);
    installed.install(builder, PriceTable.shipped());
    return builder.build();
  }

  AccessAdmin.CreatedKey key(String workspace, KeyScopes scopes) {
    return access
        .admin()
        .createKey(Principal.ADMIN, new AccessAdmin.KeyRequest(workspace, "k", scopes, null, null));
  }

  static RequestOptions.Builder as(AccessAdmin.CreatedKey key) {
    return RequestOptions.builder().gatewayKey(key.secret());
  }

  @Test
  void aKeyOfWorkspaceAReachesTheProviderWithTheKeyStoredUnderItsVirtualKey() {
    var answer = gateway.chat(chat("gpt-4o-mini"), as(keyA).virtualKey("openai-a").build());

    assertThat(answer.provider()).isEqualTo("openai");
    assertThat(openai.requests()).hasSize(1);
    assertThat(openai.requests().getFirst().header("authorization"))
        .isEqualTo("Bearer sk-stored-for-a");
    assertThat(records.getLast().workspace()).isEqualTo("a");
    assertThat(records.getLast().apiKeyId()).isEqualTo(keyA.key().id());
  }

  @Test
  void aVirtualKeyHoldingAwsCredentialsSignsABedrockCallWithThem() throws Exception {
    String keyId = "AKIAVIRTUALKEY000001";
    String secret = "virtualKeySecret/abcdefghijklmnopqrstuvwx";
    try (FakeBedrock bedrock =
            FakeBedrock.builder().credentials(keyId, secret).region("eu-west-1").start();
        Gateway withBedrock =
            gatewayWith(
                access,
                GatewaySettings.builder()
                    .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                    .build())) {
      access
          .admin()
          .createVirtualKey(
              Principal.ADMIN,
              new AccessAdmin.VirtualKeyRequest(
                  "a",
                  "bedrock-a",
                  "bedrock",
                  Map.of(
                      "aws_access_key_id", keyId,
                      "aws_secret_access_key", secret,
                      "aws_region", "eu-west-1"),
                  null));

      var answer =
          withBedrock.chat(chat("amazon.nova-pro-v1:0"), as(keyA).virtualKey("bedrock-a").build());

      assertThat(answer.provider()).isEqualTo("bedrock");
      assertThat(bedrock.takeRequest(java.time.Duration.ofSeconds(5))).isNotNull();
    }
  }

  @Test
  void aConfigTargetsVirtualKeyServesTheRequest() {
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"openai-a"}]}\
        """;

    gateway.chat(chat("gpt-4o-mini"), as(keyA).config(config).build());

    assertThat(openai.requests().getFirst().header("authorization"))
        .isEqualTo("Bearer sk-stored-for-a");
  }

  @Test
  void aStreamFallsBackFromOneVirtualKeyToAnotherOfTheSameWorkspace() {
    access
        .admin()
        .createVirtualKey(
            Principal.ADMIN,
            new AccessAdmin.VirtualKeyRequest(
                "a", "openai-backup", "openai", Map.of("api_key", "sk-backup-for-a"), null));
    openai.enqueue(Fault.status(500));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"openai-a"},        {"virtual_key":"openai-backup"}]}\
        """;

    StringBuilder text = new StringBuilder();
    ChatRequest streaming = chat("gpt-4o-mini").withStream(true);
    try (var stream = gateway.chatStream(streaming, as(keyA).config(config).build())) {
      for (var chunk = stream.next(); chunk != null; chunk = stream.next()) {
        if (!chunk.choices().isEmpty() && chunk.choices().getFirst().delta().content() != null) {
          text.append(chunk.choices().getFirst().delta().content());
        }
      }
    }

    assertThat(text).isNotEmpty();
    assertThat(openai.requests())
        .extracting(request -> request.header("authorization"))
        .containsExactly("Bearer sk-stored-for-a", "Bearer sk-backup-for-a");
  }

  @Test
  void aKeyOfWorkspaceBCannotUseWorkspaceAsVirtualKeyNorTellItFromOneThatDoesNotExist() {
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(keyB).virtualKey("openai-a").build()),
        403,
        "The virtual key 'openai-a' is not available to this caller.");
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(keyA).virtualKey("no-such").build()),
        403,
        "The virtual key 'no-such' is not available to this caller.");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void aRevokedVirtualKeyIsNotAvailableAtOnce() {
    access.admin().revokeVirtualKey(Principal.ADMIN, "a", "openai-a");

    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(keyA).virtualKey("openai-a").build()),
        403,
        "not available");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void aRotatedVirtualKeySendsTheNewProviderKeyAtOnce() {
    access
        .admin()
        .rotateVirtualKey(Principal.ADMIN, "a", "openai-a", Map.of("api_key", "sk-rotated-a"));

    gateway.chat(chat("gpt-4o-mini"), as(keyA).virtualKey("openai-a").build());

    assertThat(openai.requests().getFirst().header("authorization"))
        .isEqualTo("Bearer sk-rotated-a");
  }

  @Test
  void aKeyMayUseOnlyTheVirtualKeysAndProvidersItsScopesName() {
    AccessAdmin.CreatedKey otherSlugOnly =
        key("a", new KeyScopes(MODEL_ROUTES, null, null, null, Set.of("openai-other")));
    AccessAdmin.CreatedKey anthropicOnly =
        key("a", new KeyScopes(MODEL_ROUTES, Set.of("anthropic"), null, null, null));

    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(otherSlugOnly).virtualKey("openai-a").build()),
        403,
        "not available");
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(anthropicOnly).virtualKey("openai-a").build()),
        403,
        "not available");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void scopesRefuseAModelAProviderAConfigAndARouteBeforeAnyUpstreamCall() {
    AccessAdmin.CreatedKey miniOnly =
        key("a", new KeyScopes(MODEL_ROUTES, null, Set.of("gpt-4o-mini"), null, null));
    AccessAdmin.CreatedKey anthropicOnly =
        key("a", new KeyScopes(MODEL_ROUTES, Set.of("anthropic"), null, null, null));
    AccessAdmin.CreatedKey savedConfigOnly =
        key("a", new KeyScopes(MODEL_ROUTES, null, null, Set.of("prod"), null));
    AccessAdmin.CreatedKey chatOnly =
        key("a", new KeyScopes(Set.of(Permission.COMPLETIONS), null, null, null, null));
    String inline =
        """
        {"strategy":{"mode":"single"},"targets":[{"virtual_key":"openai-a"}]}\
        """;

    assertRefused(
        () -> gateway.chat(chat("gpt-4o"), as(miniOnly).virtualKey("openai-a").build()),
        403,
        "may not use model 'gpt-4o'");
    assertRefused(
        () ->
            gateway.chat(
                chat("gpt-4o-mini"), as(anthropicOnly).provider("openai").apiKey("sk-own").build()),
        403,
        "may not use provider 'openai'");
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(savedConfigOnly).config(inline).build()),
        403,
        "may not send its own config");
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(savedConfigOnly).config("staging").build()),
        403,
        "may not use config 'staging'");
    assertRefused(
        () ->
            gateway.embed(
                new EmbeddingRequest(
                    "text-embedding-3-small",
                    JsonNodeFactory.instance.textNode("hi"),
                    null,
                    null,
                    null,
                    null),
                as(chatOnly).virtualKey("openai-a").build()),
        403,
        "lacks the 'embeddings' permission");
    assertRefused(
        () -> gateway.models(as(chatOnly).virtualKey("openai-a").build()),
        403,
        "lacks the 'models' permission");
    assertThat(openai.requests()).isEmpty();
    assertThat(records).extracting(RequestRecord::status).containsOnly(403);
  }

  @Test
  void anInlineConfigCannotSendToAProviderOrRewriteToAModelOutsideTheKeysScopes() {
    AccessAdmin.CreatedKey held =
        key(
            "a",
            new KeyScopes(
                MODEL_ROUTES, Set.of("openai"), Set.of("gpt-4o-mini"), Set.of("inline"), null));
    String otherProvider =
        """
        {"strategy":{"mode":"fallback"},"targets":[\
        {"strategy":{"mode":"single"},"targets":[{"provider":"anthropic","api_key":"sk-ant"}]},\
        {"virtual_key":"openai-a"}]}\
        """;
    String otherModel =
        """
        {"strategy":{"mode":"single"},\
        "targets":[{"virtual_key":"openai-a","override_params":{"model":"gpt-4o"}}]}\
        """;
    String within =
        """
        {"strategy":{"mode":"single"},"targets":[{"provider":"openai","api_key":"sk-own",\
        "override_params":{"model":"gpt-4o-mini"}}]}\
        """;

    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(held).config(otherProvider).build()),
        403,
        "may not use provider 'anthropic'");
    assertRefused(
        () -> gateway.chat(chat("gpt-4o-mini"), as(held).config(otherModel).build()),
        403,
        "may not use model 'gpt-4o'");
    assertRefused(
        () ->
            gateway.chat(
                chat("gpt-4o-mini"),
                as(held).config(otherModel.replace("override_params", "overrideParams")).build()),
        403,
        "may not use model 'gpt-4o'");
    assertThat(openai.requests()).isEmpty();
    gateway.chat(chat("gpt-4o-mini"), as(held).config(within).build());
    assertThat(openai.requests()).hasSize(1);
  }

  @Test
  void aKeyHeldToSomeModelsCannotReachAnotherThroughAPassedThroughBody() {
    AccessAdmin.CreatedKey miniOnly =
        key("a", new KeyScopes(MODEL_ROUTES, null, Set.of("gpt-4o-mini"), null, null));
    PassThroughRequest other =
        new PassThroughRequest(
            "POST",
            "/responses",
            null,
            List.of(Map.entry("content-type", "application/json")),
            " {\"model\":\"gpt-4o\",\"input\":\"hi\"}".getBytes(StandardCharsets.UTF_8));

    assertRefused(
        () -> gateway.passThrough(other, as(miniOnly).virtualKey("openai-a").build()),
        403,
        "may not use model 'gpt-4o'");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void withKeysRequiredARequestWithoutOneOrWithABadOneIsUnauthenticated() {
    assertRefused(
        () ->
            gateway.chat(
                chat("gpt-4o-mini"),
                RequestOptions.builder().provider("openai").apiKey("sk-own").build()),
        401,
        "A gateway key is required");
    assertRefused(
        () ->
            gateway.chat(
                chat("gpt-4o-mini"),
                RequestOptions.builder()
                    .gatewayKey("sbk-' OR 1=1 --")
                    .provider("openai")
                    .apiKey("sk-own")
                    .build()),
        401,
        "The gateway key is not valid.");
    assertThat(openai.requests()).isEmpty();
  }

  @Test
  void withoutKeysRequiredAnAnonymousCallerUsesItsOwnProviderKeyButNoVirtualKey() {
    try (Access optional =
            Access.start(
                AccessSettings.inMemory().withMasterKeys(MASTER_KEY_1, List.of()),
                Clock.systemUTC());
        Gateway open = gatewayWith(optional)) {
      open.chat(
          chat("gpt-4o-mini"),
          RequestOptions.builder().provider("openai").apiKey("sk-own").build());
      assertRefused(
          () ->
              open.chat(
                  chat("gpt-4o-mini"), RequestOptions.builder().virtualKey("openai-a").build()),
          403,
          "not available");
      assertThat(optional.keysRequired()).isFalse();
    }
    assertThat(openai.requests()).hasSize(1);
    assertThat(openai.requests().getFirst().header("authorization")).isEqualTo("Bearer sk-own");
  }

  @Test
  void
      theStageAfterAuthenticationSeesTheCallersWorkspaceAndKeyAndEachVirtualKeyAttemptIsAdmitted() {
    Limits workspaceLimits = new Limits(100L, null, null);
    access.admin().updateWorkspace(Principal.ADMIN, "a", workspaceLimits);
    access.admin().updateVirtualKey(Principal.ADMIN, "a", "openai-a", new Limits(5L, null, null));
    List<List<Subject>> seen = new CopyOnWriteArrayList<>();
    List<Subject> admitted = new CopyOnWriteArrayList<>();
    Gateway.Builder builder =
        Gateway.builder()
            .settings(
                GatewaySettings.builder()
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .build());
    access.install(
        builder,
        (request, chain) -> {
          seen.add(access.subjectsOf(request));
          return chain.proceed(request);
        },
        (request, virtualKey) -> admitted.add(virtualKey));

    try (Gateway limited = builder.build()) {
      limited.chat(chat("gpt-4o-mini"), as(keyA).virtualKey("openai-a").build());
    }

    assertThat(seen)
        .containsExactly(
            List.of(
                new Subject(Subject.Kind.WORKSPACE, "a", workspaceLimits),
                new Subject(Subject.Kind.KEY, keyA.key().id(), Limits.NONE)));
    assertThat(admitted)
        .containsExactly(
            new Subject(Subject.Kind.VIRTUAL_KEY, "a/openai-a", new Limits(5L, null, null)));
  }

  static void assertRefused(ThrowingCallable call, int status, String message) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            AccessDeniedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.getMessage()).contains(message);
              assertThat(e.code())
                  .isEqualTo(
                      status == 403
                          ? "permission_denied"
                          : message.startsWith("A gateway key is required")
                              ? "missing_api_key"
                              : "invalid_api_key");
            });
  }
}
