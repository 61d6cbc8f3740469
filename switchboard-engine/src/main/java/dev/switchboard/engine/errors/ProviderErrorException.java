package dev.switchboard.engine.errors;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The provider answered with an error status. The status and the provider's error body are kept, so
 * that the client sees what the provider said.
 */
public final class ProviderErrorException extends GatewayException {
  private final int status;
  private final String provider;
  private final JsonNode error;
  private final List<Map.Entry<String, String>> headers;

  /**
   * @param error the provider's {@code error} object (OpenAI's {@code {message,type,param,code}})
   * @param headers the provider's response headers (retry hints, rate limits, request id)
   */
  public ProviderErrorException(
      int status, String provider, JsonNode error, List<Map.Entry<String, String>> headers) {
    super(provider + " answered " + status + ": " + error.path("message").asText(""), null);
    this.status = status;
    this.provider = provider;
    this.error = error;
    this.headers = List.copyOf(headers);
  }

  @Override
  public int status() {
    return status;
  }

  public String provider() {
    return provider;
  }

  /** The provider's error object, in OpenAI's shape. */
  public JsonNode error() {
    return error;
  }

  /** The provider's response headers. */
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }
}
