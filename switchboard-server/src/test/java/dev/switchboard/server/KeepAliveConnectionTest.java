package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Quick requests one after another on one kept-alive HTTP/1.1 connection. The gateway watches the
 * idle connection while it routes, to notice a client that went away; the selector can report the
 * connection readable with nothing to read, left over from reading the request, and that must not
 * pass for a disconnect. Before the fix about one request in a thousand answered 502 "The client
 * went away".
 */
class KeepAliveConnectionTest {
  @Test
  void quickRequestsOnOneConnectionAreNeverTakenForADisconnect() {
    try (GatewayUnderTest gateway = GatewayUnderTest.start(null)) {
      for (int i = 0; i < 3000; i++) {
        var response =
            gateway.postJson(
                "/v1/chat/completions",
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-portkey-provider",
                "mock");
        assertThat(response.statusCode()).as("request %d: %s", i, response.body()).isEqualTo(200);
      }
    }
  }
}
