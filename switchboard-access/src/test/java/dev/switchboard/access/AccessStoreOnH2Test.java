package dev.switchboard.access;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The access store's guarantees on the embedded H2 file. */
class AccessStoreOnH2Test extends AccessStoreContract {
  @TempDir Path directory;

  @Override
  String newStoreUrl() {
    return "jdbc:h2:file:" + directory.resolve("access");
  }
}
