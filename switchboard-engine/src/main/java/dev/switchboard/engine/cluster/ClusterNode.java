package dev.switchboard.engine.cluster;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * This gateway process as the other gateways sharing a PostgreSQL database see it: its id, the
 * schema generation of its release, and the name its database sessions carry.
 *
 * <p>The generation counts the releases whose schema steps older gateways must be told apart from
 * (see {@link SchemaMigrations}): a release before the node registry is generation 1; this one is
 * {@value #GENERATION}. A release that adds a contract step raises it.
 */
public final class ClusterNode {
  /** The schema generation of this release. */
  public static final int GENERATION = 2;

  /** The prefix of {@link #applicationName()}: sessions of registered gateways carry it. */
  static final String APPLICATION_PREFIX = "switchboard node ";

  private static final String ID = newId();

  private ClusterNode() {}

  /** This process's id in the node registry: random, new at each start. */
  public static String id() {
    return ID;
  }

  /**
   * The {@code application_name} this process's PostgreSQL sessions carry ({@code ApplicationName},
   * a property of the PostgreSQL driver), so that the contract step can tell a registered gateway's
   * session from any other (a gateway of a release before the registry, a person's {@code psql}).
   */
  public static String applicationName() {
    return APPLICATION_PREFIX + ID;
  }

  /** This release's version (the jar's {@code Implementation-Version}), or {@code dev}. */
  public static String release() {
    String version = ClusterNode.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  private static String newId() {
    byte[] random = new byte[6];
    ThreadLocalRandom.current().nextBytes(random);
    return ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
  }
}
