package dev.switchboard.access.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.access.AccessSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The store settings' one rule: embedded (the default), PostgreSQL or H2, else an error. */
class StoreUrlsTest {
  @Test
  void blankIsEmbeddedInTheDataDirectoryAndAJdbcUrlIsKept() {
    assertThat(StoreUrls.checked("  ", "prompts.store")).isEqualTo(StoreUrls.EMBEDDED);
    assertThat(StoreUrls.jdbcUrl(StoreUrls.EMBEDDED, Path.of("/data"), "prompts"))
        .isEqualTo("jdbc:h2:file:/data/prompts");
    String postgres = " jdbc:postgresql://db:5432/gw ";
    assertThat(StoreUrls.jdbcUrl(StoreUrls.checked(postgres, "x"), Path.of("/data"), "prompts"))
        .isEqualTo("jdbc:postgresql://db:5432/gw");
  }

  @Test
  void anyOtherStoreIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> StoreUrls.checked("jdbc:mysql://db/gw", "responses.store"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("responses.store must be 'embedded', a jdbc:postgresql: URL or a jdbc:h2: URL");
    assertThatThrownBy(() -> AccessSettings.inMemory().withStoreUrl("redis://localhost").storeUrl())
        .hasMessageStartingWith("access.store must be");
  }
}
