package dev.switchboard.engine.outbound;

import dev.switchboard.engine.errors.InvalidRequestException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides where the gateway may send a request. Two checks, both on every upstream call:
 *
 * <ol>
 *   <li>{@link #checkUrl} on the URL before a call: http or https only, no userinfo, and a host
 *       that is not a refused address literal or name;
 *   <li>{@link #permits} on each address the host resolves to, when the connection is made, so a
 *       name that resolves to an internal address (or starts to, DNS rebinding) is refused too.
 * </ol>
 *
 * <p>Refused: unspecified, private (RFC 1918, IPv6 unique-local), link-local (with the cloud
 * metadata address 169.254.169.254), carrier-grade NAT, documentation, benchmarking, multicast and
 * reserved ranges, and loopback unless the host is trusted. A trusted host (by name or address
 * literal, from the {@code trusted-hosts} setting) may reach any address but one: the gateway's own
 * listeners ({@link #listeningOn}), which no host may reach, so that a request cannot make the
 * gateway call itself (or its admin port).
 */
public final class OutboundGuard {
  private final Set<String> trustedHosts;
  private volatile List<InetSocketAddress> ownListeners = List.of();

  public OutboundGuard(Set<String> trustedHosts) {
    this.trustedHosts =
        trustedHosts.stream().map(OutboundGuard::normalise).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * The addresses the gateway listens on (its port and admin port), as the server bound them; a
   * wildcard address stands for every address of the machine. Called once the server listens.
   */
  public void listeningOn(List<InetSocketAddress> listeners) {
    this.ownListeners = List.copyOf(listeners);
  }

  /** Whether a connection to {@code address}:{@code port} would reach the gateway itself. */
  public boolean isOwnListener(InetAddress address, int port) {
    for (InetSocketAddress listener : ownListeners) {
      if (listener.getPort() != port) {
        continue;
      }
      InetAddress bound = listener.getAddress();
      if (bound == null || bound.isAnyLocalAddress()) {
        if (isLocal(address)) {
          return true;
        }
      } else if (sameAddress(bound, address)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLocal(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      return true;
    }
    try {
      return java.net.NetworkInterface.getByInetAddress(address) != null;
    } catch (java.net.SocketException e) {
      return true; // fail closed: cannot tell, so treat it as ours
    }
  }

  /** The same address, an IPv4-mapped IPv6 spelling of an IPv4 one included. */
  private static boolean sameAddress(InetAddress a, InetAddress b) {
    return java.util.Arrays.equals(v4IfMapped(a.getAddress()), v4IfMapped(b.getAddress()));
  }

  private static byte[] v4IfMapped(byte[] b) {
    if (b.length == 16) {
      boolean mapped = b[10] == -1 && b[11] == -1;
      for (int i = 0; mapped && i < 10; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        return new byte[] {b[12], b[13], b[14], b[15]};
      }
    }
    return b;
  }

  /** The hosts allowed to reach loopback and other internal addresses. */
  public Set<String> trustedHosts() {
    return trustedHosts;
  }

  /**
   * Checks a URL the gateway is about to call, typically a client's {@code x-portkey-custom-host}.
   *
   * @return the parsed URL
   * @throws InvalidRequestException when the URL is malformed or not allowed; the message says why
   */
  public URI checkUrl(String url, String param) {
    if (url.chars().anyMatch(c -> c < 0x20 || c == 0x7f) || url.strip().isEmpty()) {
      throw new InvalidRequestException("Invalid custom host: not a valid URL.", param, null);
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw new InvalidRequestException("Invalid custom host: not a valid URL.", param, null);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidRequestException(
          "Invalid custom host: only http and https URLs are allowed.", param, null);
    }
    if (uri.getRawUserInfo() != null
        || uri.getRawAuthority() == null
        || uri.getRawAuthority().contains("@")) {
      throw new InvalidRequestException(
          "Invalid custom host: credentials in the URL are not allowed.", param, null);
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new InvalidRequestException("Invalid custom host: the URL has no host.", param, null);
    }
    if (host.indexOf('%') >= 0) {
      // A zone (fe80::1%eth0) names an interface of this machine; Java's URI keeps it, the
      // client cannot use it.
      throw new InvalidRequestException(
          "Invalid custom host: zone-scoped IPv6 addresses are not allowed.", param, null);
    }
    InetAddress hostLiteral = AddressLiterals.parse(normalise(host));
    if (hostLiteral != null && isOwnListener(hostLiteral, portOf(uri, scheme))) {
      throw new InvalidRequestException(
          "Invalid custom host: it is this gateway's own listener.", param, null);
    }
    if (!isTrusted(host)) {
      String name = normalise(host);
      if (isInternalName(name)) {
        throw new InvalidRequestException(
            "Invalid custom host: " + name + " is not allowed.", param, null);
      }
      InetAddress literal = AddressLiterals.parse(name);
      if (literal != null && !permits(host, literal)) {
        throw new InvalidRequestException(
            "Invalid custom host: private, loopback, link-local and reserved addresses are not"
                + " allowed.",
            param,
            null);
      }
    }
    return uri;
  }

  private static int portOf(URI uri, String scheme) {
    if (uri.getPort() >= 0) {
      return uri.getPort();
    }
    return scheme.equals("https") ? 443 : 80;
  }

  /**
   * Names that only mean something inside a private network or the machine itself: loopback names,
   * cloud metadata services, and the special-use and customary internal suffixes (the same list
   * Portkey's gateway refuses, with {@code localhost} itself refused unless trusted).
   */
  private static boolean isInternalName(String name) {
    if (INTERNAL_NAMES.contains(name)) {
      return true;
    }
    for (String suffix : INTERNAL_SUFFIXES) {
      if (name.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  private static final Set<String> INTERNAL_NAMES =
      Set.of(
          "localhost",
          "metadata",
          "metadata.google.internal",
          "metadata.azure.com",
          "instance-data",
          "host.docker.internal");

  private static final List<String> INTERNAL_SUFFIXES =
      List.of(
          ".localhost",
          ".local",
          ".localdomain",
          ".internal",
          ".intranet",
          ".lan",
          ".home",
          ".corp",
          ".test",
          ".invalid",
          ".onion");

  /**
   * Whether a connection to {@code address}:{@code port}, resolved from {@code host}, may be
   * opened: an address the host may reach ({@link #permits}) that is not one of the gateway's own
   * listeners.
   */
  public boolean allowsConnection(String host, InetAddress address, int port) {
    return permits(host, address) && !isOwnListener(address, port);
  }

  /** Whether a connection to {@code address}, resolved from {@code host}, is allowed. */
  public boolean permits(String host, InetAddress address) {
    return isTrusted(host) || isPublic(address);
  }

  private boolean isTrusted(String host) {
    return trustedHosts.contains(normalise(host));
  }

  private static String normalise(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** Whether an address is a routable public unicast address. */
  static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return isPublicV4(b);
    }
    if (address instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) { // fc00::/7 unique local
        return false;
      }
      if (first == 0xfe && (b[1] & 0xc0) == 0xc0) { // fec0::/10 old site-local
        return false;
      }
      if (isEmbeddedV4(b)) {
        return isPublicV4(new byte[] {b[12], b[13], b[14], b[15]});
      }
      if (first == 0x20 && (b[1] & 0xff) == 0x01 && b[2] == 0x0d && (b[3] & 0xff) == 0xb8) {
        return false; // 2001:db8::/32 documentation
      }
      if (first == 0x20 && (b[1] & 0xff) == 0x02) { // 2002::/16 6to4 carries an IPv4 address
        return isPublicV4(new byte[] {b[2], b[3], b[4], b[5]});
      }
      return first != 0; // ::/8 reserved
    }
    return false;
  }

  /** IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96). */
  private static boolean isEmbeddedV4(byte[] b) {
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= b[i] == 0;
    }
    boolean mapped = zeroPrefix && ((b[10] == 0 && b[11] == 0) || (b[10] == -1 && b[11] == -1));
    boolean nat64 = b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
    for (int i = 4; nat64 && i < 12; i++) {
      nat64 = b[i] == 0;
    }
    return mapped || nat64;
  }

  private static boolean isPublicV4(byte[] b) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    return !(a0 == 0 // 0.0.0.0/8 "this network"
        || a0 == 10
        || a0 == 127
        || (a0 == 100 && a1 >= 64 && a1 <= 127) // 100.64.0.0/10 carrier-grade NAT
        || (a0 == 169 && a1 == 254) // link-local, cloud metadata
        || (a0 == 172 && a1 >= 16 && a1 <= 31)
        || (a0 == 192 && a1 == 0 && a2 == 0) // 192.0.0.0/24 IETF protocol assignments
        || (a0 == 192 && a1 == 0 && a2 == 2) // TEST-NET-1
        || (a0 == 192 && a1 == 88 && a2 == 99) // 6to4 relay anycast
        || (a0 == 192 && a1 == 168)
        || (a0 == 198 && (a1 == 18 || a1 == 19)) // benchmarking
        || (a0 == 198 && a1 == 51 && a2 == 100) // TEST-NET-2
        || (a0 == 203 && a1 == 0 && a2 == 113) // TEST-NET-3
        || a0 >= 224); // multicast, reserved, broadcast
  }
}
