package dev.switchboard.engine.routing;

import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.providers.ProviderOptions;
import java.util.Map;
import java.util.Objects;

/**
 * Where a stored credential may go: the provider, custom host and host-deciding options ({@link
 * ProviderOptions#DESTINATION}) of the record that holds it, a virtual key or a config saved in the
 * gateway's settings. A request may not change any of them, by header or by a config it sent: the
 * stored key would go to a host the caller picked. A credential the caller sent itself has no pin
 * and goes where the caller says, through the outbound guard.
 *
 * @param holder what holds the credential, for the error message
 * @param provider the stored provider
 * @param customHost the stored custom host, or {@code null} for the provider's own
 * @param destination the stored values of the host-deciding options
 */
record DestinationPin(
    String holder, String provider, String customHost, Map<String, String> destination) {

  DestinationPin {
    destination = Map.copyOf(destination);
  }

  /** Refuses a provider other than the stored one. */
  void checkProvider(String asked, String param) {
    if (asked != null && !asked.equals(provider)) {
      throw moved(param, "its provider");
    }
  }

  /** Refuses a custom host other than the stored one. */
  void checkCustomHost(String asked, String param) {
    if (asked != null && !asked.equals(customHost)) {
      throw moved(param, "a custom host");
    }
  }

  /** Refuses host-deciding options that differ from the stored ones, or that it has none of. */
  void checkOptions(Map<String, String> asked, java.util.function.UnaryOperator<String> param) {
    for (String name : ProviderOptions.DESTINATION) {
      String value = asked.get(name);
      if (value != null && !value.equals(destination.get(name))) {
        throw moved(param.apply(name), name);
      }
    }
  }

  private InvalidRequestException moved(String param, String what) {
    return new InvalidRequestException(
        "A stored credential ("
            + holder
            + ") goes only where its record says: the request may not set "
            + what
            + " for it ("
            + param
            + ").",
        param,
        null);
  }

  /** The stored values of the host-deciding options among {@code options}. */
  static Map<String, String> destinationOf(Map<String, String> options) {
    Map<String, String> destination = new java.util.HashMap<>();
    for (String name : ProviderOptions.DESTINATION) {
      String value = options.get(name);
      if (value != null) {
        destination.put(name, value);
      }
    }
    return destination;
  }

  @Override
  public String toString() {
    return "DestinationPin[" + holder + " → " + provider + " " + Objects.toString(customHost) + "]";
  }
}
