package dev.switchboard.engine.providers.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.openai.OpenAiDialect;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Azure OpenAI's data plane (https://learn.microsoft.com/en-us/azure/ai-services/openai/reference):
 * a deployment's endpoints under {@code
 * https://{resource}.openai.azure.com/openai/deployments/{deployment}/…?api-version=…}, the key in
 * {@code api-key} or a Microsoft Entra ID token as {@code Authorization: Bearer}, and errors in
 * OpenAI's shape with Azure's own codes and {@code innererror}.
 */
final class AzureOpenAiDialect implements OpenAiDialect {
  static final String RESOURCE_NAME = "resource_name";
  static final String DEPLOYMENT_ID = "deployment_id";
  static final String API_VERSION = "api_version";
  static final String AD_TOKEN = "azure_ad_token";
  static final String AUTH_MODE = "azure_auth_mode";

  /** An Azure resource name: letters, digits and hyphens (it becomes a host name label). */
  private static final Pattern RESOURCE = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})");

  private final URI baseUrl;

  /**
   * @param baseUrl replaces {@code https://{resource}.openai.azure.com/openai} for every request
   *     (the gateway's {@code providers.azure-openai.base-url} setting), or {@code null}
   */
  AzureOpenAiDialect(URI baseUrl) {
    this.baseUrl = baseUrl;
  }

  @Override
  public URI url(Target target, String endpoint, String query) {
    String base;
    if (target.customHost() != null) {
      base = target.customHost();
    } else if (baseUrl != null) {
      base = baseUrl.toString();
    } else {
      String resource = required(target, RESOURCE_NAME);
      if (!RESOURCE.matcher(resource).matches()) {
        throw new InvalidRequestException(
            "Invalid Azure resource name: use the resource's name (letters, digits and hyphens),"
                + " not a URL.",
            ProviderOptions.header(RESOURCE_NAME),
            null);
      }
      base = "https://" + resource + ".openai.azure.com/openai";
    }
    // The model list is the resource's, not a deployment's (Azure's "Models - List"); so is the
    // Responses API, whose body names the deployment as its model
    // (https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/responses).
    String path;
    if (endpoint.equals(MODELS) || endpoint.equals(RESPONSES)) {
      path = endpoint;
    } else {
      String deployment =
          URLEncoder.encode(required(target, DEPLOYMENT_ID), StandardCharsets.UTF_8);
      path = "/deployments/" + deployment.replace("+", "%20") + endpoint;
    }
    String version =
        "api-version=" + URLEncoder.encode(required(target, API_VERSION), StandardCharsets.UTF_8);
    return OpenAiDialect.join(
        base, path, query == null || query.isEmpty() ? version : query + "&" + version);
  }

  /**
   * An Entra ID token, when given, as {@code Authorization: Bearer} (a leading {@code Bearer } in
   * it is not doubled); otherwise the key as {@code api-key}, as Portkey sends them.
   */
  @Override
  public void authenticate(Target target, List<Map.Entry<String, String>> headers) {
    String token = blankToNull(target.option(AD_TOKEN));
    String mode = blankToNull(target.option(AUTH_MODE));
    if (token == null && mode != null && !mode.equals("apiKey") && !mode.equals("api_key")) {
      // Portkey mints a token itself in these modes (client secret, managed or workload
      // identity); the gateway does not yet, and says so rather than send the key instead.
      throw new InvalidRequestException(
          "azure_auth_mode '"
              + mode
              + "' is not supported: send an Entra ID token in the x-portkey-azure-ad-token"
              + " header (or azure_ad_token on the config target), or the key.",
          ProviderOptions.header(AUTH_MODE),
          null);
    }
    if (token != null) {
      String bare = token.startsWith("Bearer ") ? token.substring("Bearer ".length()) : token;
      headers.add(Map.entry("authorization", "Bearer " + bare.strip()));
    } else if (target.apiKey() != null) {
      headers.add(Map.entry("api-key", target.apiKey()));
    }
  }

  /**
   * Azure's {@code {"error":{"code","message","param","status","innererror"}}}, or a gateway's
   * {@code {"statusCode","message"}}, as OpenAI's error object: {@code message}, {@code type},
   * {@code param} and {@code code} always present, Azure's other fields ({@code innererror} with a
   * content filter's verdicts) kept.
   */
  @Override
  public JsonNode errorObject(byte[] body) {
    JsonNode error = OpenAiProvider.errorObject(body);
    ObjectNode shaped = JsonNodeFactory.instance.objectNode();
    shaped.set("message", error.path("message").isMissingNode() ? null : error.get("message"));
    for (String key : List.of("type", "param", "code")) {
      JsonNode value = error.get(key);
      shaped.set(key, value == null ? JsonNodeFactory.instance.nullNode() : value);
    }
    error
        .properties()
        .forEach(field -> {
          if (!shaped.has(field.getKey()) && !field.getKey().equals("status")) {
            shaped.set(field.getKey(), field.getValue());
          }
        });
    return shaped;
  }

  private static String required(Target target, String option) {
    String value = blankToNull(target.option(option));
    if (value == null) {
      String header = ProviderOptions.header(option);
      throw new InvalidRequestException(
          "The azure-openai provider needs "
              + option
              + ": send the "
              + header
              + " header, or set "
              + option
              + " on the config target.",
          header,
          null);
    }
    return value;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
