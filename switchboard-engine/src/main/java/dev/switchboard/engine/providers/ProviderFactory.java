package dev.switchboard.engine.providers;

import dev.switchboard.engine.outbound.UpstreamClient;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * How every provider is built: one signature, so registering a provider is one line in the list the
 * gateway builds its {@link ProviderRegistry} from. Each provider package exposes one, as a
 * constant named {@code FACTORY} beside the provider it builds (the provider's constructors are
 * package-private: an ArchUnit rule in the engine's tests holds that nothing else calls them).
 *
 * <p>A factory yields a list so that a family of providers written once (the OpenAI-compatible
 * servers, each under its own name) registers in one line too.
 */
@FunctionalInterface
public interface ProviderFactory {

  /** The providers of this package, built from what {@code context} holds. */
  List<Provider> create(ProviderContext context);

  /**
   * A factory of one provider, constructed with the base URL the operator set for {@code name} (or
   * else {@code defaultBaseUrl}) and the context's client, timeout and clock.
   *
   * @param defaultBaseUrl the provider's own base URL, or {@code null} when each target decides it
   *     (a region, a project)
   */
  static ProviderFactory single(String name, URI defaultBaseUrl, Constructor constructor) {
    return context ->
        List.of(
            constructor.construct(
                context.baseUrl(name, defaultBaseUrl),
                context.upstream(),
                context.requestTimeout(),
                context.clock()));
  }

  /** The constructor most providers have: what {@link #single} builds one with. */
  @FunctionalInterface
  interface Constructor {
    Provider construct(URI baseUrl, UpstreamClient upstream, Duration requestTimeout, Clock clock);
  }
}
