package dev.switchboard.engine.providers;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The provider-specific settings a request or a config target may carry besides the key, by
 * Portkey's config name (snake_case). A client sends each as a header {@code x-portkey-<name with
 * dashes>} ({@code aws_region} as {@code x-portkey-aws-region}), or sets it on a config target in
 * either spelling ({@code aws_region} or {@code awsRegion}). Providers read the ones they need from
 * {@link Target#options()}.
 */
public final class ProviderOptions {
  /** Every option name a provider reads. */
  public static final Set<String> NAMES =
      Set.of(
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "aws_region",
          "anthropic_version",
          "anthropic_beta",
          "strict_open_ai_compliance",
          "resource_name",
          "deployment_id",
          "api_version",
          "azure_ad_token",
          "azure_auth_mode",
          "vertex_project_id",
          "vertex_region",
          "vertex_service_account_json");

  /** Options whose values are credentials: never logged, never shown. */
  public static final Set<String> SECRETS =
      Set.of(
          "aws_secret_access_key",
          "aws_session_token",
          "azure_ad_token",
          "vertex_service_account_json");

  /**
   * Options that decide the host a call goes to: Bedrock's regional endpoint, the Azure resource's
   * host name, Vertex AI's regional endpoint. A stored credential pins them (the router refuses a
   * request that changes them), and each is checked against its provider's grammar before it
   * becomes part of a URL.
   */
  public static final Set<String> DESTINATION =
      Set.of("aws_region", "resource_name", "vertex_region");

  /**
   * Options that are, or carry, credentials: with an {@code api_key}, what makes a saved config's
   * target one that uses a stored credential.
   */
  public static final Set<String> CREDENTIALS =
      Set.of(
          "aws_access_key_id",
          "aws_secret_access_key",
          "aws_session_token",
          "azure_ad_token",
          "vertex_service_account_json");

  /**
   * Options whose header is not {@code x-portkey-<name with dashes>}: Portkey's Azure config names
   * ({@code resource_name}) drop the {@code azure} its headers have ({@code
   * x-portkey-azure-resource-name}).
   */
  private static final Map<String, String> HEADERS =
      Map.of(
          "resource_name", "x-portkey-azure-resource-name",
          "deployment_id", "x-portkey-azure-deployment-id",
          "api_version", "x-portkey-azure-api-version");

  private ProviderOptions() {}

  /**
   * The request header that carries an option: {@code aws_region} → {@code x-portkey-aws-region}.
   */
  public static String header(String name) {
    String special = HEADERS.get(name);
    if (special != null) {
      return special;
    }
    return "x-portkey-" + name.replace('_', '-').toLowerCase(Locale.ROOT);
  }
}
