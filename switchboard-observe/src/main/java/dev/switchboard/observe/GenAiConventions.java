package dev.switchboard.observe;

import java.util.Locale;
import java.util.Map;

/**
 * How the gateway's requests are named in OpenTelemetry's semantic conventions for generative AI
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/), shared by the metrics and the traces so
 * that a dashboard can join the two: the operation a gateway path performs ({@code
 * gen_ai.operation.name}) and the provider's well-known name ({@code gen_ai.provider.name}).
 */
public final class GenAiConventions {
  public static final String OPERATION_NAME = "gen_ai.operation.name";
  public static final String PROVIDER_NAME = "gen_ai.provider.name";
  public static final String REQUEST_MODEL = "gen_ai.request.model";
  public static final String RESPONSE_MODEL = "gen_ai.response.model";
  public static final String TOKEN_TYPE = "gen_ai.token.type";
  public static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";
  public static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
  public static final String ERROR_TYPE = "error.type";

  /**
   * The providers whose names differ in the conventions' list of well-known values; any other keeps
   * the gateway's name, as the conventions allow for systems they do not list.
   */
  private static final Map<String, String> WELL_KNOWN_PROVIDERS =
      Map.of(
          "bedrock", "aws.bedrock",
          "google", "gcp.gemini",
          "vertex-ai", "gcp.vertex_ai",
          "azure-openai", "azure.ai.openai",
          "mistral-ai", "mistral_ai",
          "perplexity-ai", "perplexity",
          "x-ai", "x_ai");

  private GenAiConventions() {}

  /**
   * The operation a gateway path performs: {@code chat}, {@code text_completion}, {@code
   * embeddings} from the conventions' list; the gateway's own {@code count_tokens}, {@code
   * list_models}, and {@code pass_through} for a path the gateway does not model. A closed set, so
   * it is safe as a metric label.
   */
  public static String operationName(String path) {
    if (path == null) {
      return "pass_through";
    }
    return switch (path) {
      case "/v1/chat/completions", "/v1/messages" -> "chat";
      case "/v1/completions" -> "text_completion";
      case "/v1/embeddings" -> "embeddings";
      case "/v1/messages/count_tokens" -> "count_tokens";
      case "/v1/models" -> "list_models";
      default -> "pass_through";
    };
  }

  /** The conventions' name of a gateway provider ({@code bedrock} is {@code aws.bedrock}). */
  public static String providerName(String provider) {
    if (provider == null) {
      return null;
    }
    return WELL_KNOWN_PROVIDERS.getOrDefault(provider.toLowerCase(Locale.ROOT), provider);
  }
}
