package dev.switchboard.access.store;

import java.nio.file.Path;

/**
 * Where one of the gateway's H2-or-PostgreSQL stores lives, as its setting says it (the access
 * store, the stored responses, the saved prompts): {@value #EMBEDDED} (an H2 file in the data
 * directory), a {@code jdbc:postgresql:} URL (shared by gateways), or a {@code jdbc:h2:} URL.
 */
public final class StoreUrls {
  /** The setting's value that means the H2 file in the data directory. */
  public static final String EMBEDDED = "embedded";

  private StoreUrls() {}

  /**
   * The setting's value, stripped; {@value #EMBEDDED} when blank.
   *
   * @param setting the setting's name, for the error ({@code prompts.store})
   * @throws IllegalArgumentException when it is none of the three forms
   */
  public static String checked(String url, String setting) {
    String store = url == null || url.isBlank() ? EMBEDDED : url.strip();
    if (!store.equals(EMBEDDED)
        && !store.startsWith("jdbc:postgresql:")
        && !store.startsWith("jdbc:h2:")) {
      throw new IllegalArgumentException(
          setting + " must be 'embedded', a jdbc:postgresql: URL or a jdbc:h2: URL");
    }
    return store;
  }

  /** The JDBC URL of a {@link #checked} store: the H2 file {@code name} in {@code directory}. */
  public static String jdbcUrl(String store, Path directory, String name) {
    return store.equals(EMBEDDED)
        ? "jdbc:h2:file:" + directory.toAbsolutePath().resolve(name)
        : store;
  }

  /** A store URL as a log may show it: a PostgreSQL URL, which may hold a password, only named. */
  public static String shown(String store) {
    return store.startsWith("jdbc:postgresql:") ? "jdbc:postgresql:…" : store;
  }
}
