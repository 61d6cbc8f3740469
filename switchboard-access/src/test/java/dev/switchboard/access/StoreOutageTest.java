package dev.switchboard.access;

import static dev.switchboard.access.AccessFixtures.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.pricing.PriceTable;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * When the access store cannot be reached, requests are refused with 503 and a retry-after (never
 * let through unchecked, never a bare 500), the refusal is recorded, and the answer quotes nothing
 * the database said.
 */
class StoreOutageTest {

  @Test
  void aRequestWhoseBudgetCannotBeCheckedIsRefusedWith503AndRecorded() {
    List<RequestRecord> records = new CopyOnWriteArrayList<>();
    try (Access access =
        Access.start(
            AccessSettings.inMemory().withRequireKeys(true).withKeyCacheTtl(Duration.ofMinutes(5)),
            Clock.systemUTC())) {
      Limits budgeted =
          new Limits(null, null, new Budget(new BigDecimal("5.00"), null, Period.MONTH, List.of()));
      String key =
          access
              .admin()
              .createKey(
                  Principal.ADMIN,
                  new AccessAdmin.KeyRequest(
                      Access.DEFAULT_WORKSPACE, "outage", KeyScopes.ALL, budgeted, null))
              .secret();
      Gateway.Builder builder = Gateway.builder().recordSink(records::add);
      access.install(builder, PriceTable.shipped());
      try (Gateway gateway = builder.build()) {
        RequestOptions options = RequestOptions.builder().provider("mock").gatewayKey(key).build();
        assertThat(gateway.chat(chat("mock-chat"), options).body().choices()).hasSize(1);

        // The key is remembered; the ledger is not: its database goes away.
        ((HikariDataSource) access.store().dataSource()).close();

        assertThatThrownBy(() -> gateway.chat(chat("mock-chat"), options))
            .isInstanceOfSatisfying(
                GatewayUnavailableException.class,
                unavailable -> {
                  assertThat(unavailable.status()).isEqualTo(503);
                  assertThat(unavailable.getMessage())
                      .startsWith("The gateway's budget ledger failed")
                      .doesNotContain("Hikari");
                });
        assertThat(records).hasSize(2);
        assertThat(records.getLast().status()).isEqualTo(503);
        assertThat(records.getLast().errorType()).isEqualTo("unavailable");
      }
    }
  }
}
