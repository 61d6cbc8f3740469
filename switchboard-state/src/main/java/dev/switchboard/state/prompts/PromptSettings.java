package dev.switchboard.state.prompts;

import dev.switchboard.access.store.StoreUrls;
import java.nio.file.Path;

/**
 * Where the saved prompt templates are kept.
 *
 * @param enabled whether the prompt routes and the admin API's prompts are served at all
 * @param storeUrl {@code embedded} (an H2 file {@code prompts} in {@code directory}), a {@code
 *     jdbc:postgresql://…} URL (shared by gateways), or any {@code jdbc:h2:} URL (tests)
 * @param directory where the embedded store lives
 */
public record PromptSettings(boolean enabled, String storeUrl, Path directory) {

  /** The store URL that means the H2 file in {@link #directory}. */
  public static final String EMBEDDED = StoreUrls.EMBEDDED;

  public PromptSettings {
    storeUrl = StoreUrls.checked(storeUrl, "prompts.store");
    directory = directory == null ? Path.of("switchboard-data") : directory;
  }

  /** On, in the embedded store in {@code switchboard-data}. */
  public static PromptSettings defaults() {
    return new PromptSettings(true, EMBEDDED, null);
  }

  /** Off: the prompt routes answer 404. */
  public static PromptSettings disabled() {
    return new PromptSettings(false, EMBEDDED, null);
  }

  /** On, in the store at {@code url}. */
  public static PromptSettings storedAt(String url) {
    return new PromptSettings(true, url, null);
  }

  /** The JDBC URL {@link #storeUrl} stands for. */
  public String jdbcUrl() {
    return StoreUrls.jdbcUrl(storeUrl, directory, "prompts");
  }

  /** A PostgreSQL URL's password stays out of logs. */
  @Override
  public String toString() {
    return "PromptSettings[enabled="
        + enabled
        + ", storeUrl="
        + StoreUrls.shown(storeUrl)
        + ", directory="
        + directory
        + "]";
  }
}
