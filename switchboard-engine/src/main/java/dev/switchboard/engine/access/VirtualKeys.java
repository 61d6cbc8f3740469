package dev.switchboard.engine.access;

import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Request;
import java.util.Map;

/**
 * Where virtual keys are looked up: a slug named by {@code x-portkey-virtual-key} or a config
 * target's {@code virtual_key} becomes the provider and credentials stored under it. The router
 * asks once per attempt that names one, for the caller of the request (as the access stage
 * authenticated it), and a key of another workspace is not found.
 */
@FunctionalInterface
public interface VirtualKeys {
  /** No virtual keys: naming one is a 400. */
  VirtualKeys NONE =
      (slug, request) -> {
        throw new InvalidRequestException(
            "Virtual keys are not enabled on this gateway (the access store is off).",
            "x-portkey-virtual-key",
            null);
      };

  /**
   * The credentials stored under {@code slug}, for the caller of {@code request}.
   *
   * @throws GatewayException 403 when the caller may not use it or it does not exist in the
   *     caller's workspace (one answer for both, so slugs of other workspaces cannot be probed), or
   *     429/412 when the virtual key's own rate limit or budget is reached
   */
  Credentials resolve(String slug, Request request);

  /**
   * A virtual key's provider and secrets, decrypted for one call; never logged ({@link #toString}
   * hides them).
   *
   * @param provider the provider the key is for, e.g. {@code openai}
   * @param apiKey the provider's API key, or {@code null} (AWS, Vertex credentials are options)
   * @param options provider options by {@link dev.switchboard.engine.providers.ProviderOptions}
   *     name: AWS keys and region, Azure resource and deployment, a Vertex service account, …
   */
  record Credentials(String provider, String apiKey, Map<String, String> options) {
    public Credentials {
      options = Map.copyOf(options);
    }

    @Override
    public String toString() {
      return "Credentials[provider=" + provider + ", options=" + options.keySet() + "]";
    }
  }
}
