package dev.switchboard.client.config;

/**
 * A config the gateway would refuse, caught when it is built instead of by a 400 at request time.
 * {@link #field()} names the field by its path from the node being built, as the gateway names it
 * ({@code targets[1].weight}, {@code strategy.conditions[0].then}, {@code retry.attempts}).
 */
public final class InvalidConfigException extends IllegalArgumentException {
  private final String field;

  InvalidConfigException(String field, String why) {
    super("Invalid config: " + field + " " + why);
    this.field = field;
  }

  /** The path of the invalid field, e.g. {@code targets[0].retry.attempts}. */
  public String field() {
    return field;
  }
}
