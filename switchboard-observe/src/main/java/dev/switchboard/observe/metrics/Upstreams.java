package dev.switchboard.observe.metrics;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Names an upstream for a label without what its URL may carry that is not for a dashboard: a
 * custom host such as {@code https://user:secret@llm.internal/v1?key=…} becomes {@code
 * https://llm.internal/v1}.
 */
final class Upstreams {
  private Upstreams() {}

  /**
   * The circuit breaker's upstream ({@code "openai (default)"}, {@code "openai https://host/v1"})
   * with its URL's user information, query and fragment left out.
   */
  static String withoutCredentials(String upstream) {
    int space = upstream.indexOf(' ');
    if (space < 0) {
      return upstream;
    }
    String provider = upstream.substring(0, space);
    String host = upstream.substring(space + 1);
    if (host.startsWith("(")) {
      return upstream;
    }
    try {
      URI uri = new URI(host);
      if (uri.getScheme() == null || uri.getHost() == null) {
        return provider + " (custom)";
      }
      URI bare =
          new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null);
      return provider + " " + bare;
    } catch (URISyntaxException e) {
      return provider + " (custom)";
    }
  }
}
