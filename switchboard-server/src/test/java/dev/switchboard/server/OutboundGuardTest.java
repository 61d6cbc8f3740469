package dev.switchboard.server;

import static dev.switchboard.server.RequestValidationTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.FakeOpenAi;
import java.net.InetAddress;
import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client-supplied custom host can never reach the gateway's own network: checked by name before
 * the call and by resolved address when connecting; redirects are not followed.
 */
class OutboundGuardTest {
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  static final String CHAT =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    // No trusted hosts at all: loopback is refused like any internal address.
    gateway =
        GatewayUnderTest.start(
            null,
            settings ->
                new ServerSettings(
                    settings.host(),
                    0,
                    settings.maxBodyBytes(),
                    settings.drainTimeout(),
                    GatewaySettings.builder().trustedHosts(Set.of()).build()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://169.254.169.254/latest/meta-data",
        "http://metadata.google.internal/computeMetadata/v1",
        "http://10.0.0.8/v1",
        "http://172.16.3.4/v1",
        "http://192.168.1.1/v1",
        "http://100.64.0.1/v1",
        "http://0.0.0.0/v1",
        "http://[::1]/v1",
        "http://[fd00::1]/v1",
        "http://[fe80::1]/v1",
        "http://[fe80::1%25eth0]/v1",
        "http://[fe80::1%eth0]/v1",
        "http://[::ffff:127.0.0.1]/v1",
        "http://[::ffff:169.254.169.254]/v1",
        "http://2130706433/v1",
        "http://0x7f.0.0.1/v1",
        "http://0177.0.0.1/v1",
        "http://127.1/v1",
        "http://localhost/v1",
        "http://api.localhost/v1",
        "http://user:secret@api.openai.com/v1",
        "ftp://api.openai.com/v1",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "not a url",
      })
  void refusesACustomHostThatIsInternalOrNotHttp(String customHost) {
    int before = openai.requestCount();

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "openai",
            "x-portkey-custom-host",
            customHost);

    assertGatewayError(response, 400, "Invalid custom host");
    assertThat(response.body()).doesNotContain("secret");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void refusesLoopbackByAddressWhenNotTrusted() {
    int before = openai.requestCount();

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "openai",
            "x-portkey-custom-host",
            openai.baseUrl());

    assertGatewayError(response, 400, "Invalid custom host");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void checksTheResolvedAddressWhenConnectingSoANameCannotSneakIn() throws Exception {
    String hostname = InetAddress.getLocalHost().getHostName();
    InetAddress[] resolved = InetAddress.getAllByName(hostname);
    assumeTrue(
        java.util.Arrays.stream(resolved)
            .allMatch(
                a -> a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress()),
        "this machine's own name resolves to an internal address");
    String customHost = "http://" + hostname + ":" + URI.create(openai.baseUrl()).getPort() + "/v1";
    int before = openai.requestCount();

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "openai",
            "x-portkey-custom-host",
            customHost);

    assertGatewayError(response, 400, "resolves to a private");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void aTrustedHostMayBeLoopback() {
    try (GatewayUnderTest trusting = GatewayUnderTest.start(null)) {
      var response =
          trusting.postJson(
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "x-portkey-custom-host",
              openai.baseUrl());

      assertThat(response.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void neverFollowsARedirect() throws Exception {
    var redirector =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    redirector.createContext(
        "/",
        exchange -> {
          exchange.getResponseHeaders().add("location", openai.baseUrl() + "/chat/completions");
          exchange.sendResponseHeaders(307, -1);
          exchange.close();
        });
    redirector.start();
    int before = openai.requestCount();
    try (GatewayUnderTest trusting = GatewayUnderTest.start(null)) {
      String customHost = "http://127.0.0.1:" + redirector.getAddress().getPort() + "/v1";

      var response =
          trusting.postJson(
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "x-portkey-custom-host",
              customHost);

      assertThat(response.statusCode()).isEqualTo(307);
      assertThat(openai.requestCount()).isEqualTo(before);
    } finally {
      redirector.stop(0);
    }
  }
}
