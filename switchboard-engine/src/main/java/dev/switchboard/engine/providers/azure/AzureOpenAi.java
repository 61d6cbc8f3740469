package dev.switchboard.engine.providers.azure;

import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import java.net.URI;
import java.time.Duration;

/**
 * Azure OpenAI ({@code azure-openai}): OpenAI's format, sent to a deployment's URL with Azure's
 * credential headers; answers (with Azure's {@code prompt_filter_results} and {@code
 * content_filter_results}) come back as they are.
 */
public final class AzureOpenAi {
  public static final String NAME = "azure-openai";

  private AzureOpenAi() {}

  /**
   * The provider.
   *
   * @param baseUrl replaces {@code https://{resource}.openai.azure.com/openai}, or {@code null}
   */
  public static Provider provider(URI baseUrl, UpstreamClient client, Duration defaultTimeout) {
    return new OpenAiProvider(
        NAME,
        new AzureOpenAiDialect(baseUrl),
        Capabilities.chatWithTools()
            .withJsonSchema()
            .withCompletions()
            .withEmbeddings()
            .withModels(),
        client,
        defaultTimeout);
  }
}
