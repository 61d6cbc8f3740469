package dev.switchboard.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.access.admin.AdminException;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pricing.PriceTable;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** With access off nothing changes for callers, and the settings never show a master key. */
class AccessOffTest {
  @Test
  void whenOffEveryRequestIsAdmittedAsBeforeAndTheAdminSaysItIsOff() {
    try (Access access = Access.start(AccessSettings.disabled(), Clock.systemUTC())) {
      Gateway.Builder builder = Gateway.builder();
      access.install(builder, PriceTable.shipped());
      try (Gateway gateway = builder.build()) {
        var answer =
            gateway.chat(
                AccessFixtures.chat("mock-chat"),
                RequestOptions.builder().provider("mock").gatewayKey("sbk-anything").build());
        assertThat(answer.provider()).isEqualTo("mock");
        assertThatThrownBy(() ->
                gateway.chat(
                    AccessFixtures.chat("gpt-4o-mini"),
                    RequestOptions.builder().virtualKey("openai-a").build()))
            .isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("not enabled");
      }
      assertThat(access.enabled()).isFalse();
      assertThat(access.keysRequired()).isFalse();
      assertThat(access.authenticate("sbk-anything")).isEqualTo(Principal.ANONYMOUS);
      assertThatThrownBy(() -> access.admin().workspaces(Principal.ADMIN))
          .isInstanceOfSatisfying(
              AdminException.class,
              e -> {
                assertThat(e.status()).isEqualTo(404);
                assertThat(e.getMessage()).contains("access.enabled");
              });
    }
  }

  @Test
  void settingsShowNoMasterKeyAndNoDatabasePassword() {
    AccessSettings settings =
        AccessSettings.defaults()
            .withStoreUrl("jdbc:postgresql://db:5432/sb?user=sb&password=hunter2")
            .withMasterKeys(AccessFixtures.MASTER_KEY_1, List.of(AccessFixtures.MASTER_KEY_2));

    assertThat(settings.toString())
        .doesNotContain(AccessFixtures.MASTER_KEY_1)
        .doesNotContain(AccessFixtures.MASTER_KEY_2)
        .doesNotContain("hunter2");
  }
}
