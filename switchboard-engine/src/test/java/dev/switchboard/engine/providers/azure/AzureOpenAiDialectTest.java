package dev.switchboard.engine.providers.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Azure's URLs, credentials and error shapes, as Azure documents them and Portkey sends them. */
class AzureOpenAiDialectTest {
  static final AzureOpenAiDialect AZURE = new AzureOpenAiDialect(null);

  static Target target(String apiKey, Map<String, String> options) {
    return new Target("azure-openai", apiKey, null, List.of(), null, options);
  }

  static final Map<String, String> DEPLOYMENT =
      Map.of("resource_name", "contoso-eu", "deployment_id", "gpt 4o", "api_version", "2024-10-21");

  @Test
  void theUrlIsTheResourcesDeploymentWithTheApiVersion() {
    assertThat(AZURE.url(target("k", DEPLOYMENT), "/chat/completions", null))
        .isEqualTo(
            URI.create(
                "https://contoso-eu.openai.azure.com/openai/deployments/gpt%204o/chat/completions"
                    + "?api-version=2024-10-21"));
    assertThat(AZURE.url(target("k", DEPLOYMENT), "/embeddings", null).getPath())
        .isEqualTo("/openai/deployments/gpt 4o/embeddings");
  }

  @ParameterizedTest
  @ValueSource(strings = {"evil.example#", "a.b", "x/y", "127.0.0.1:80@", "-"})
  void aResourceNameThatIsNotOneHostLabelIsRefused(String resource) {
    Map<String, String> options = new java.util.HashMap<>(DEPLOYMENT);
    options.put("resource_name", resource);

    assertThatThrownBy(() -> AZURE.url(target("k", options), "/chat/completions", null))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("resource name");
  }

  @Test
  void missingSettingsNameTheirPortkeyHeaders() {
    assertThatThrownBy(
            () -> AZURE.url(target("k", Map.of("resource_name", "r")), "/chat/completions", null))
        .hasMessageContaining("x-portkey-azure-deployment-id");
    assertThat(ProviderOptions.header("resource_name")).isEqualTo("x-portkey-azure-resource-name");
    assertThat(ProviderOptions.header("api_version")).isEqualTo("x-portkey-azure-api-version");
    assertThat(ProviderOptions.header("azure_ad_token")).isEqualTo("x-portkey-azure-ad-token");
    assertThat(ProviderOptions.SECRETS).contains("azure_ad_token");
  }

  @Test
  void theKeyGoesAsApiKeyAndATokenAsABearer() {
    List<Map.Entry<String, String>> keyHeaders = new ArrayList<>();
    AZURE.authenticate(target("secret-key", DEPLOYMENT), keyHeaders);
    List<Map.Entry<String, String>> tokenHeaders = new ArrayList<>();
    AZURE.authenticate(
        target("secret-key", Map.of("azure_ad_token", "Bearer eyJ0eXAi")), tokenHeaders);

    assertThat(keyHeaders).containsExactly(Map.entry("api-key", "secret-key"));
    assertThat(tokenHeaders).containsExactly(Map.entry("authorization", "Bearer eyJ0eXAi"));
  }

  @Test
  void anAuthModeThatMintsTokensIsRefusedWithoutAToken() {
    assertThatThrownBy(() ->
            AZURE.authenticate(target("k", Map.of("azure_auth_mode", "entra")), new ArrayList<>()))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("x-portkey-azure-ad-token");
  }

  @Test
  void azuresErrorsGetOpenAisKeysAndKeepTheInnerError() {
    var error =
        AZURE.errorObject(
            """
            {"error":{"code":"content_filter","message":"filtered","param":"prompt","status":400,
             "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{}}}}\
            """
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThat(error)
        .isEqualTo(
            WireJson.tree(
                """
                {"message":"filtered","type":null,"param":"prompt","code":"content_filter",
                 "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{}}}\
                """));
    assertThat(
            AZURE.errorObject(
                "{\"statusCode\":401,\"message\":\"Unauthorized.\"}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEqualTo(
            WireJson.tree(
                "{\"message\":\"Unauthorized.\",\"type\":null,\"param\":null,\"code\":null}"));
  }
}
