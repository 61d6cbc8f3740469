package dev.switchboard.bench;

import java.net.URI;
import java.util.Map;

/**
 * Where the requests go: the provider called bare, a bare nginx {@code proxy_pass} hop in front of
 * it (the floor a proxy's cost is compared with), or the gateway in front of it.
 *
 * @param name {@code direct}, {@code nginx} or {@code gateway}, as the report names it
 * @param server the process that answers the target's requests, whose CPU is its own cost: {@code
 *     fake} for the bare call, else the same as {@code name}
 * @param chatCompletions the URL requests are posted to
 * @param headers the headers that differ between them (the gateway's provider selection)
 */
record Target(String name, String server, URI chatCompletions, Map<String, String> headers) {
  static final String FAKE = "fake";

  static Target direct(URI providerBaseUrl) {
    return new Target("direct", FAKE, chatCompletions(providerBaseUrl), Map.of());
  }

  static Target nginx(URI hopBaseUrl) {
    return new Target("nginx", "nginx", chatCompletions(hopBaseUrl), Map.of());
  }

  static Target gateway(URI gatewayBaseUrl) {
    return new Target(
        "gateway",
        "gateway",
        chatCompletions(gatewayBaseUrl),
        Map.of("x-portkey-provider", "openai"));
  }

  private static URI chatCompletions(URI baseUrl) {
    return URI.create(baseUrl + "/chat/completions");
  }
}
