package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import org.junit.jupiter.api.Test;

/**
 * The admin port cannot be reached through the proxy: a custom host naming it is one of the
 * gateway's own listeners (refused although loopback is trusted), and with keys required its
 * operator routes need the admin token, which without one set means they are refused.
 */
class AdminPortThroughProxyTest {
  static final String CHAT =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void refusesACustomHostThatIsTheAdminPortWithoutAnAdminToken() {
    try (AccessGateway gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory(), null).withAdminPort(0))) {
      var response =
          gateway.send(
              "POST",
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "x-portkey-custom-host",
              "http://127.0.0.1:" + gateway.server.adminPort() + "/v1");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
      assertThat(response.body()).contains("own listener").doesNotContain("\"data\"");
    }
  }

  @Test
  void operatorRoutesOnTheAdminPortAreRefusedWhenKeysAreRequiredAndNoTokenIsSet() {
    try (AccessGateway gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), null)
                .withAdminPort(0))) {
      for (String path : new String[] {"/v1/logs", "/metrics", "/v1/analytics"}) {
        var response = gateway.sendToAdminPort("GET", path, null);

        assertThat(response.statusCode()).as(path + " " + response.body()).isEqualTo(401);
      }
    }
  }
}
