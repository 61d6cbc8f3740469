package dev.switchboard.access;

import dev.switchboard.testkit.TestPostgres;

/** The access store's guarantees on PostgreSQL, as gateways sharing one database use it. */
class AccessStoreOnPostgresTest extends AccessStoreContract {
  @Override
  String newStoreUrl() {
    return TestPostgres.freshSchemaUrl();
  }
}
