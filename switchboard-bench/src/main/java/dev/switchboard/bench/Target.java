package dev.switchboard.bench;

import java.net.URI;
import java.util.Map;

/**
 * Where the requests go: the provider called bare, or the gateway in front of it.
 *
 * @param name {@code direct} or {@code gateway}, as the report names it
 * @param chatCompletions the URL requests are posted to
 * @param headers the headers that differ between the two (the gateway's provider selection)
 */
record Target(String name, URI chatCompletions, Map<String, String> headers) {

  static Target direct(URI providerBaseUrl) {
    return new Target("direct", chatCompletions(providerBaseUrl), Map.of());
  }

  static Target gateway(URI gatewayBaseUrl) {
    return new Target(
        "gateway", chatCompletions(gatewayBaseUrl), Map.of("x-portkey-provider", "openai"));
  }

  private static URI chatCompletions(URI baseUrl) {
    return URI.create(baseUrl + "/chat/completions");
  }
}
