package dev.switchboard.engine.providers.azure;

import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import java.util.List;

/**
 * Azure OpenAI ({@code azure-openai}): OpenAI's format, sent to a deployment's URL with Azure's
 * credential headers; answers (with Azure's {@code prompt_filter_results} and {@code
 * content_filter_results}) come back as they are.
 */
public final class AzureOpenAi {
  public static final String NAME = "azure-openai";

  /**
   * The provider, at each target's {@code https://{resource}.openai.azure.com/openai}, or at the
   * {@code providers.azure-openai.base-url} setting that replaces it.
   */
  public static final ProviderFactory FACTORY =
      context ->
          List.of(
              OpenAiProvider.forDialect(
                  NAME,
                  new AzureOpenAiDialect(context.baseUrl(NAME)),
                  Capabilities.chatWithTools()
                      .withJsonSchema()
                      .withCompletions()
                      .withEmbeddings()
                      .withModels()
                      .withResponses(),
                  context));

  private AzureOpenAi() {}
}
