package dev.switchboard.engine.providers;

import java.util.List;
import java.util.Map;

/**
 * A request for a provider path the gateway does not model ({@code /v1/files}, {@code
 * /v1/moderations}, …), sent on unchanged.
 *
 * @param path the path below the provider's base URL, e.g. {@code /moderations}
 * @param query the raw query string, or {@code null}
 * @param headers the client's content headers to keep ({@code content-type}, {@code accept})
 * @param body the body as the client sent it, or {@code null}
 */
public record PassThroughRequest(
    String method,
    String path,
    String query,
    List<Map.Entry<String, String>> headers,
    byte[] body) {

  public PassThroughRequest {
    headers = List.copyOf(headers);
  }
}
