package dev.switchboard.engine.providers;

import dev.switchboard.engine.errors.InvalidRequestException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The providers a gateway can route to, by name. Immutable once built. */
public final class ProviderRegistry {
  private final Map<String, Provider> providers;

  private ProviderRegistry(Map<String, Provider> providers) {
    this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
  }

  /**
   * The providers each factory builds from {@code context}, in the factories' order.
   *
   * @throws IllegalArgumentException when two providers have the same name
   */
  public static ProviderRegistry of(List<ProviderFactory> factories, ProviderContext context) {
    Map<String, Provider> byName = new LinkedHashMap<>();
    for (ProviderFactory factory : factories) {
      for (Provider provider : factory.create(context)) {
        if (byName.putIfAbsent(provider.name(), provider) != null) {
          throw new IllegalArgumentException("two providers are named " + provider.name());
        }
      }
    }
    return new ProviderRegistry(byName);
  }

  /**
   * The provider of that name.
   *
   * @throws InvalidRequestException for a name no provider has
   */
  public Provider get(String name) {
    Provider provider = providers.get(name);
    if (provider == null) {
      throw new InvalidRequestException(
          "Invalid provider passed: "
              + name
              + ". Supported providers: "
              + String.join(", ", new java.util.TreeSet<>(names())), // sorted: the same every run
          "x-portkey-provider",
          null);
    }
    return provider;
  }

  public Set<String> names() {
    return providers.keySet();
  }
}
