package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/headers.md's table of deliberate differences is the committed list, row for row. */
class DeliberateDifferencesDocTest {
  @Test
  void theHeadersPageShowsTheListTheDifferentialTestReads() throws IOException {
    String page = Files.readString(Path.of("..", "docs", "headers.md"));
    String start = "<!-- deliberate-differences:start -->\n";
    String table =
        page.substring(
            page.indexOf(start) + start.length(),
            page.indexOf("<!-- deliberate-differences:end -->"));

    assertThat(table)
        .as("docs/headers.md's table, to be replaced by")
        .isEqualTo(DeliberateDifferences.load().markdownTable());
  }
}
