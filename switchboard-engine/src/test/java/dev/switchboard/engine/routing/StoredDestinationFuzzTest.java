package dev.switchboard.engine.routing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.access.VirtualKeys;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.providers.ProviderContext;
import dev.switchboard.engine.providers.ProviderOptions;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.azure.AzureOpenAi;
import dev.switchboard.engine.providers.bedrock.BedrockProvider;
import dev.switchboard.engine.providers.cohere.CohereProvider;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import dev.switchboard.engine.providers.vertex.VertexProvider;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fuzz target for the property "a stored credential never reaches a host outside its stored
 * record": for any config and request options, every target the router builds with a virtual key's
 * or a saved config's credential keeps the record's provider and host-deciding options, and the URL
 * its provider builds for it has the record's host. The providers are the real ones; each stored
 * destination's base URL is a {@code .internal} name, which the upstream client's guard (trusting
 * nothing) refuses before connecting, naming the host: so the URL is read from the real builder and
 * nothing is ever sent.
 *
 * <p>An input is JSON: {@code {"config": <config or saved id>, "headers": {"custom_host": …,
 * "provider": …, "virtual_key": …, "<option>": …}}}; any other input is taken as the config.
 */
class StoredDestinationFuzzTest {
  private static final Map<String, VirtualKeys.Credentials> STORED =
      Map.of(
          "vk-openai",
          new VirtualKeys.Credentials("openai", "sk-stored", Map.of()),
          "vk-bedrock",
          new VirtualKeys.Credentials(
              "bedrock",
              null,
              Map.of(
                  "aws_access_key_id", "AKIASTORED0000000001",
                  "aws_secret_access_key", "stored-secret",
                  "aws_region", "eu-west-1")),
          "vk-vertex",
          new VirtualKeys.Credentials(
              "vertex-ai",
              "ya29.stored",
              Map.of("vertex_region", "us-central1", "vertex_project_id", "stored-project")),
          "vk-azure",
          new VirtualKeys.Credentials(
              "azure-openai",
              "azure-stored",
              Map.of(
                  "resource_name", "stored-resource",
                  "deployment_id", "prod",
                  "api_version", "2024-10-21")));

  private static final String SAVED_KEY = "sk-saved-config";

  /** The host each provider's stored destination has. */
  private static final Map<String, String> HOSTS =
      Map.of(
          "openai", "openai.stored.internal",
          "bedrock", "bedrock.stored.internal",
          "vertex-ai", "vertex.stored.internal",
          "azure-openai", "azure.stored.internal",
          "cohere", "cohere.stored.internal");

  private static final Pattern REFUSED_HOST =
      Pattern.compile("Invalid custom host: (.+) is not allowed\\.");

  private static final OutboundGuard NOTHING_TRUSTED = new OutboundGuard(Set.of());
  private static final UpstreamClient CLIENT =
      new UpstreamClient(NOTHING_TRUSTED, Duration.ofSeconds(1), Duration.ofSeconds(1));
  private static final ProviderRegistry PROVIDERS =
      ProviderRegistry.of(
          List.of(
              OpenAiProvider.FACTORY,
              BedrockProvider.FACTORY,
              VertexProvider.FACTORY,
              AzureOpenAi.FACTORY,
              CohereProvider.FACTORY),
          new ProviderContext(
              CLIENT,
              Duration.ofSeconds(1),
              Clock.systemUTC(),
              Map.of(
                  "openai", base("openai", "/v1"),
                  "bedrock", base("bedrock", ""),
                  "vertex-ai", base("vertex-ai", ""),
                  "azure-openai", base("azure-openai", "/openai"),
                  "cohere", base("cohere", ""))));
  private static final ConfigSource CONFIGS =
      new ConfigSource(
          PROVIDERS,
          NOTHING_TRUSTED,
          Map.of(
              "saved",
              WireJson.tree("{\"provider\":\"openai\",\"api_key\":\"" + SAVED_KEY + "\"}")),
          null);

  /** The record resolved for the attempt under way, or {@code null} for a caller's credential. */
  private static VirtualKeys.Credentials resolved;

  private static final Router ROUTER =
      new Router(
          CONFIGS,
          RoutingLimits.defaults(),
          new CircuitBreakers(1_000_000, Duration.ofSeconds(1), Clock.systemUTC()),
          Clock.systemUTC(),
          duration -> {},
          new Random(7),
          (slug, request) -> {
            VirtualKeys.Credentials found = STORED.get(slug);
            if (found == null) {
              throw new InvalidRequestException("no such virtual key", "virtual_key", null);
            }
            resolved = found;
            return found;
          },
          StickyArms.inProcess(1_000));

  private static URI base(String provider, String path) {
    return URI.create("https://" + HOSTS.get(provider) + path);
  }

  @FuzzTest(maxDuration = "60s")
  void storedCredentialNeverLeavesItsRecordsHost(byte[] input) {
    RequestOptions options;
    try {
      options = options(new String(input, StandardCharsets.UTF_8));
    } catch (WireFormatException | IllegalArgumentException notARequest) {
      return;
    }
    Request request = Request.of(new Operation.Chat(chat()), options);
    resolved = null;
    try {
      ROUTER.route(
          request,
          attempt -> {
            VirtualKeys.Credentials stored = resolved;
            resolved = null;
            checkAttempt(attempt.target(), stored, options);
            // Nothing is ever sent (a caller's own target could name any host); a connection
            // failure lets a fallback walk on to its next target.
            throw new dev.switchboard.engine.errors.UpstreamFailureException(
                attempt.target().provider(), "not sent", false, null);
          });
    } catch (GatewayException refusedOrFailed) {
      // a refusal before sending, or the guard's refusal of the (checked) stored host
    }
  }

  /** The property, on the target the router built and on the URL its provider builds for it. */
  private static void checkAttempt(
      Target target, VirtualKeys.Credentials stored, RequestOptions options) {
    boolean savedKey = SAVED_KEY.equals(target.apiKey()) && "saved".equals(options.config());
    if (stored == null && !savedKey) {
      return; // the caller's own credential: it goes where the caller says
    }
    String provider = stored != null ? stored.provider() : "openai";
    Map<String, String> record = stored != null ? stored.options() : Map.of();
    if (!target.provider().equals(provider)) {
      throw new AssertionError("a stored credential moved to provider " + target.provider());
    }
    if (target.customHost() != null) {
      throw new AssertionError("a stored credential moved to custom host " + target.customHost());
    }
    for (String name : ProviderOptions.DESTINATION) {
      if (!java.util.Objects.equals(target.option(name), record.get(name))) {
        throw new AssertionError(
            "a stored credential's " + name + " moved to " + target.option(name));
      }
    }
    String host = hostItsProviderBuilds(target);
    if (host != null && !host.equals(HOSTS.get(provider))) {
      throw new AssertionError("a stored credential's call was built for host " + host);
    }
  }

  /**
   * The host of the URL the target's provider builds, read from the guard's refusal of it, or
   * {@code null} when the provider refused the request before building one.
   */
  private static String hostItsProviderBuilds(Target target) {
    try {
      PROVIDERS.get(target.provider()).chat(chat(), target);
    } catch (InvalidRequestException refused) {
      Matcher matcher = REFUSED_HOST.matcher(refused.getMessage());
      return matcher.matches() ? matcher.group(1) : null;
    } catch (GatewayException other) {
      return null;
    }
    throw new AssertionError("a call was sent to a host the guard did not refuse");
  }

  private static ChatRequest chat() {
    return WireJson.convert(
        WireJson.tree(
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
        ChatRequest.class);
  }

  private static RequestOptions options(String text) {
    JsonNode json = WireJson.tree(text);
    RequestOptions.Builder options = RequestOptions.builder();
    JsonNode config = json.isObject() && json.has("config") ? json.get("config") : json;
    options.config(config.isTextual() ? config.asText() : config.toString());
    JsonNode headers = json.path("headers");
    if (headers.isObject()) {
      headers
          .properties()
          .forEach(header -> {
            String value = header.getValue().asText();
            switch (header.getKey()) {
              case "custom_host" -> options.customHost(value);
              case "provider" -> options.provider(value);
              case "virtual_key" -> options.virtualKey(value);
              case "api_key" -> options.apiKey(value);
              default -> {
                if (ProviderOptions.NAMES.contains(header.getKey())) {
                  options.providerOption(header.getKey(), value);
                }
              }
            }
          });
    }
    return options.build();
  }
}
