package dev.switchboard.engine.errors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
  private final byte[] passedThroughBody;

  /**
   * @param error the provider's {@code error} object (OpenAI's {@code {message,type,param,code}})
   * @param headers the provider's response headers (retry hints, rate limits, request id)
   */
  public ProviderErrorException(
      int status, String provider, JsonNode error, List<Map.Entry<String, String>> headers) {
    this(status, provider, error, headers, null);
  }

  private ProviderErrorException(
      int status,
      String provider,
      JsonNode error,
      List<Map.Entry<String, String>> headers,
      byte[] passedThroughBody) {
    super(provider + " answered " + status + ": " + error.path("message").asText(""), null);
    this.status = status;
    this.provider = provider;
    this.error = error;
    this.headers = List.copyOf(headers);
    this.passedThroughBody = passedThroughBody;
  }

  /**
   * A passed-through request's error answer, kept whole: the router judges it as any provider error
   * (retry, fallback, circuit), and when it is the request's last word the client gets this status,
   * these headers and this body unchanged, not the gateway's error shape.
   */
  public static ProviderErrorException passedThrough(
      int status, String provider, List<Map.Entry<String, String>> headers, byte[] body) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", "the passed-through request was answered " + status);
    return new ProviderErrorException(status, provider, error, headers, body.clone());
  }

  /**
   * A modelled call's error answer that the client gets as it came, as Portkey relays it (an
   * OpenAI-format provider's embeddings error: no {@code "openai error:"} prefix, no {@code
   * provider} field): judged by the router as any provider error, relayed unchanged when it is the
   * request's last word.
   *
   * @param error the provider's {@code error} object, read from {@code body}, for the logs
   */
  public static ProviderErrorException relayedAsSent(
      int status,
      String provider,
      JsonNode error,
      List<Map.Entry<String, String>> headers,
      byte[] body) {
    return new ProviderErrorException(status, provider, error, headers, body.clone());
  }

  /**
   * The body of an error answer relayed as it came (passed through, or {@link #relayedAsSent}), or
   * {@code null} for an error the gateway writes in its own shape.
   */
  public byte[] passedThroughBody() {
    return passedThroughBody == null ? null : passedThroughBody.clone();
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
