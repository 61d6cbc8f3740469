package dev.switchboard.engine.providers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.Gateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The provider table in {@code docs/providers.md} says what the code does: one row per registered
 * provider, and in each capability column a cell that starts with "no" exactly where the provider
 * does not serve it.
 */
class ProviderTableTest {
  private static final Path DOC = Path.of("..", "docs", "providers.md");
  private static final List<String> COLUMNS =
      List.of(
          "Chat",
          "Stream",
          "Tools",
          "Vision",
          "JSON schema",
          "Completions",
          "Embeddings",
          "Models",
          "Pass-through",
          "`/v1/messages` native",
          "`/v1/responses` native",
          "`/v1/messages` and `/v1/responses`");

  @Test
  void theDocumentedTableMatchesEveryRegisteredProvider() throws IOException {
    Map<String, Capabilities> registered = Gateway.builder().build().providers();
    Map<String, Map<String, String>> documented = documentedRows();

    assertThat(documented.keySet()).containsExactlyInAnyOrderElementsOf(registered.keySet());
    registered.forEach((name, capabilities) -> {
      List<Boolean> served =
          List.of(
              capabilities.chat(),
              capabilities.stream(),
              capabilities.tools(),
              capabilities.vision(),
              capabilities.jsonSchema(),
              capabilities.completions(),
              capabilities.embeddings(),
              capabilities.models(),
              capabilities.passThrough(),
              capabilities.messages(),
              capabilities.responses(),
              // every provider serves both agent APIs, natively or over its chat completions
              capabilities.chat());
      for (int i = 0; i < COLUMNS.size(); i++) {
        String cell = documented.get(name).get(COLUMNS.get(i));
        assertThat(!cell.startsWith("no"))
            .as("docs/providers.md, %s, column %s: \"%s\"", name, COLUMNS.get(i), cell)
            .isEqualTo(served.get(i));
      }
    });
  }

  /** The first table's rows by provider id, each a map from column heading to cell. */
  private static Map<String, Map<String, String>> documentedRows() throws IOException {
    List<String> table =
        Files.readAllLines(DOC).stream()
            .dropWhile(line -> !line.startsWith("| Provider |"))
            .takeWhile(line -> line.startsWith("|"))
            .toList();
    List<String> headings = cells(table.getFirst());
    Map<String, Map<String, String>> rows = new LinkedHashMap<>();
    for (String line : table.subList(2, table.size())) {
      List<String> cells = cells(line);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < headings.size(); i++) {
        row.put(headings.get(i), cells.get(i));
      }
      rows.put(row.get("`x-portkey-provider`").replace("`", ""), row);
    }
    return rows;
  }

  private static List<String> cells(String line) {
    String inner = line.strip().substring(1, line.strip().length() - 1);
    return java.util.Arrays.stream(inner.split("\\|", -1)).map(String::strip).toList();
  }
}
