package dev.switchboard.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.engine.errors.AccessDeniedException;
import dev.switchboard.testkit.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The access store's guarantees on PostgreSQL, as gateways sharing one database use it. */
class AccessStoreOnPostgresTest extends AccessStoreContract {
  @Override
  String newStoreUrl() {
    return TestPostgres.freshSchemaUrl();
  }

  @Test
  void gatewaysStartingTogetherOnOneDatabaseAllStart() throws Exception {
    String shared = TestPostgres.freshSchemaUrl();
    List<Access> started = new ArrayList<>();
    try (ExecutorService starting = Executors.newFixedThreadPool(4)) {
      List<Future<Access>> futures = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        futures.add(
            starting.submit(() ->
                Access.start(
                    AccessSettings.defaults().withStoreUrl(shared), java.time.Clock.systemUTC())));
      }
      for (Future<Access> future : futures) {
        started.add(future.get(30, TimeUnit.SECONDS));
      }
    } finally {
      started.forEach(Access::close);
    }
    assertThat(started).hasSize(4);
  }

  @Test
  void aKeyMadeOnOneGatewayWorksOnAnotherAndItsRevocationReachesItWithinTheCacheTime() {
    AccessSettings noCache =
        settings(AccessFixtures.MASTER_KEY_1, List.of()).withKeyCacheTtl(Duration.ZERO);
    try (Access other = Access.start(noCache, clock)) {
      var created = AccessFixtures.key(access, workspace);
      assertThat(other.authenticate(created.secret()).keyId()).isEqualTo(created.key().id());

      access.admin().revokeKey(Principal.ADMIN, created.key().id());

      assertThatThrownBy(() -> other.authenticate(created.secret()))
          .isInstanceOf(AccessDeniedException.class);
    }
  }
}
