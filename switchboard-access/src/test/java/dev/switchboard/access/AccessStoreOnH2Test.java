package dev.switchboard.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access store's guarantees on the embedded H2 file. */
class AccessStoreOnH2Test extends AccessStoreContract {
  @TempDir Path directory;

  @Override
  String newStoreUrl() {
    return "jdbc:h2:file:" + directory.resolve("access");
  }

  @Test
  void theEmbeddedStoreIsAFileInTheDataDirectoryMadeWhenAbsent() {
    Path data = directory.resolve("not-yet/switchboard-data");
    AccessSettings embedded =
        new AccessSettings(
            true,
            AccessSettings.EMBEDDED,
            data,
            false,
            null,
            null,
            List.of(),
            null,
            null,
            null,
            null);

    try (Access started = Access.start(embedded, Clock.systemUTC())) {
      assertThat(started.admin().workspaces(Principal.ADMIN))
          .extracting(w -> w.id())
          .containsExactly(Access.DEFAULT_WORKSPACE);
    }
    assertThat(Files.exists(data.resolve("access.mv.db"))).isTrue();
  }
}
