package dev.switchboard.engine.outbound;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request to a provider.
 *
 * @param provider the provider's name, for errors and logs
 * @param headers header name and value pairs, in order; a name may repeat
 * @param body the request body, or {@code null} for none
 * @param timeout for a non-streaming call, the time allowed for the whole response; for a streaming
 *     call, the time allowed until the response headers; {@code null} for no limit
 * @param streaming whether the body is read as it arrives (server-sent events)
 * @param hops the gateways the client's request had passed through before this one ({@link
 *     Hops#HEADER}); the call carries one more
 */
public record UpstreamRequest(
    String provider,
    String method,
    URI uri,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    Duration timeout,
    boolean streaming,
    int hops) {

  public UpstreamRequest {
    headers = List.copyOf(headers);
  }

  /** A call on behalf of a request that came straight from a client. */
  public UpstreamRequest(
      String provider,
      String method,
      URI uri,
      List<Map.Entry<String, String>> headers,
      byte[] body,
      Duration timeout,
      boolean streaming) {
    this(provider, method, uri, headers, body, timeout, streaming, 0);
  }
}
