package dev.switchboard.state.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.switchboard.testkit.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The versioned-document store on a real PostgreSQL, a fresh schema per test: gateways starting
 * together save a settings file's config once; the change counter grows with every change; a
 * deleted document is hidden and comes back as its next version; and a prompts store made before
 * documents could be deleted opens with its rows intact.
 */
class DocumentStoreTest {
  static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void gatewaysStartingTogetherSaveAChangedSettingsConfigOnce() throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    int gateways = 6;
    List<DocumentStore> stores = new ArrayList<>();
    for (int i = 0; i < gateways; i++) {
      stores.add(DocumentStore.open(url, DocumentStore.Kind.CONFIG));
    }
    try {
      for (String config : List.of("{\"provider\":\"mock\"}", "{\"provider\":\"openai\"}")) {
        CountDownLatch ready = new CountDownLatch(gateways);
        List<Callable<Boolean>> starts = new ArrayList<>();
        for (DocumentStore store : stores) {
          starts.add(() -> {
            ready.countDown();
            ready.await();
            return store.saveIfChanged("pc-main", config, config::equals, "settings", NOW);
          });
        }
        int saved = 0;
        try (ExecutorService threads = Executors.newFixedThreadPool(gateways)) {
          for (Future<Boolean> start : threads.invokeAll(starts)) {
            saved += start.get() ? 1 : 0;
          }
        }
        assertThat(saved).as(config).isEqualTo(1);
      }
      DocumentStore store = stores.getFirst();
      assertThat(store.history("pc-main"))
          .extracting(DocumentStore.AuditRow::action, DocumentStore.AuditRow::version)
          .containsExactly(tuple("create", 1), tuple("version", 2));
      assertThat(store.find("pc-main").orElseThrow().latestVersion()).isEqualTo(2);
    } finally {
      stores.forEach(DocumentStore::close);
    }
  }

  @Test
  void theChangeCounterGrowsWithEveryChangeAndADeletedDocumentComesBack() {
    try (DocumentStore store =
        DocumentStore.open(TestPostgres.freshSchemaUrl(), DocumentStore.Kind.CONFIG)) {
      long before = store.changes();
      assertThat(store.create("pc-a", "{\"v\":1}", "admin", NOW)).isTrue();
      assertThat(store.create("pc-a", "{\"v\":9}", "admin", NOW)).isFalse();
      assertThat(store.addVersion("pc-a", "{\"v\":2}", "admin", "version", null, NOW)).contains(2);
      assertThat(store.changes()).isEqualTo(before + 2);

      assertThat(store.delete("pc-a", "admin", NOW)).isTrue();
      assertThat(store.delete("pc-a", "admin", NOW)).isFalse();
      assertThat(store.changes()).isEqualTo(before + 3);
      assertThat(store.find("pc-a")).isEmpty();
      assertThat(store.latestVersions()).isEmpty();
      assertThat(store.deleted()).containsExactly("pc-a");
      assertThat(store.addVersion("pc-a", "{\"v\":3}", "admin", "version", null, NOW)).isEmpty();

      assertThat(store.create("pc-a", "{\"v\":3}", "admin", NOW)).isTrue();
      assertThat(store.latestVersions())
          .extracting(DocumentStore.VersionRow::version, DocumentStore.VersionRow::document)
          .containsExactly(tuple(3, "{\"v\":3}"));
      assertThat(store.deleted()).isEmpty();
      assertThat(store.history("pc-a"))
          .extracting(DocumentStore.AuditRow::action)
          .containsExactly("create", "version", "delete", "create");
    }
  }

  @Test
  void aPromptsStoreMadeBeforeDeletionExistedOpensWithItsRows() throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    try (Connection connection = DriverManager.getConnection(url);
        Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE TABLE prompts (id VARCHAR(128) PRIMARY KEY, created_at TIMESTAMP WITH TIME"
              + " ZONE NOT NULL, created_by VARCHAR(200) NOT NULL, latest_version INTEGER NOT"
              + " NULL)");
      statement.execute(
          "INSERT INTO prompts VALUES ('support', TIMESTAMP WITH TIME ZONE"
              + " '2026-12-01 00:00:00+00', 'admin', 1)");
    }
    try (DocumentStore store = DocumentStore.open(url, DocumentStore.Kind.PROMPT)) {
      assertThat(store.find("support")).map(DocumentStore.DocumentRow::latestVersion).contains(1);
      assertThat(store.all()).extracting(DocumentStore.DocumentRow::id).containsExactly("support");
    }
  }
}
