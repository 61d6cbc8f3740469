package dev.switchboard.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.errors.InvalidRequestException;
import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundGuardTest {
  private final OutboundGuard guard = new OutboundGuard(Set.of("localhost", "127.0.0.1", "::1"));

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.255",
        "127.0.0.2",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.0.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a00:1",
        "2001:db8::1",
        "2002:a00:1::1"
      })
  void refusesInternalAndReservedAddresses(String address) throws Exception {
    assertThat(guard.permits("some.host", InetAddress.getByName(address))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8.8.8.8",
        "104.18.6.192",
        "172.32.0.1",
        "100.128.0.1",
        "2606:4700::6810:1",
        "::ffff:8.8.8.8"
      })
  void permitsPublicAddresses(String address) throws Exception {
    assertThat(guard.permits("some.host", InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "127.0.0.1", "::1", "LOCALHOST"})
  void aTrustedHostMayReachLoopback(String host) throws Exception {
    assertThat(guard.permits(host, InetAddress.getLoopbackAddress())).isTrue();
    assertThat(
            guard
                .checkUrl(
                    "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":8000/v1", "h")
                .getPort())
        .isEqualTo(8000);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://2130706433/", "http://0x7f000001/", "http://017700000001/", "http://127.1/",
        "http://0x7f.1/", "http://10.0.0.1.", "http://[::ffff:7f00:1]/",
            "http://user@api.openai.com/",
        "javascript:alert(1)", "http:///nohost", "http://metadata.google.internal/",
            "http://db.internal/",
      })
  void refusesUrlsThatSpellAnInternalAddressAnyWay(String url) {
    assertThatThrownBy(() -> guard.checkUrl(url, "x-portkey-custom-host"))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageStartingWith("Invalid custom host");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://api.openai.com/v1",
        "http://vllm.example.com:8000/v1",
        "https://8.8.8.8/v1"
      })
  void acceptsPublicHttpUrls(String url) {
    assertThat(guard.checkUrl(url, "x-portkey-custom-host").toString()).isEqualTo(url);
  }
}
