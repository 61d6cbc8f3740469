package dev.switchboard.engine.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Reads an IP address literal without ever asking DNS. */
final class AddressLiterals {
  private AddressLiterals() {}

  /**
   * The address {@code host} spells, or {@code null} when it is a name. Accepts the dotted quad and
   * IPv6 forms; the odd IPv4 spellings some resolvers accept (octal, hex, fewer than four parts)
   * are read the way those resolvers would, so they cannot sneak past the check.
   */
  static InetAddress parse(String host) {
    try {
      if (host.indexOf(':') >= 0) {
        return InetAddress.getByName(host); // an IPv6 literal: no lookup is made
      }
      byte[] v4 = parseLooseV4(host);
      return v4 == null ? null : InetAddress.getByAddress(v4);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] parseLooseV4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length == 0 || parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      Long value = parseNumber(parts[i]);
      if (value == null) {
        return null;
      }
      values[i] = value;
    }
    long address = 0;
    for (int i = 0; i < values.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      address = (address << 8) | values[i];
    }
    int remainingBytes = 4 - (values.length - 1);
    long last = values[values.length - 1];
    if (last >= (1L << (8 * remainingBytes))) {
      return null;
    }
    address = (address << (8 * remainingBytes)) | last;
    return new byte[] {
      (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address
    };
  }

  private static Long parseNumber(String part) {
    if (part.isEmpty()) {
      return null;
    }
    try {
      if (part.startsWith("0x") || part.startsWith("0X")) {
        return part.length() == 2 ? 0L : Long.parseLong(part.substring(2), 16);
      }
      if (part.length() > 1 && part.startsWith("0")) {
        return Long.parseLong(part.substring(1), 8);
      }
      return Long.parseLong(part);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
