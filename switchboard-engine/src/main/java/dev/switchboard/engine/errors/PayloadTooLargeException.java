package dev.switchboard.engine.errors;

/** The request body is larger than the gateway accepts. Answered with 413. */
public final class PayloadTooLargeException extends GatewayException {
  private final long limitBytes;

  public PayloadTooLargeException(long limitBytes) {
    super("Request body is larger than the gateway's limit of " + limitBytes + " bytes.", null);
    this.limitBytes = limitBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }

  @Override
  public int status() {
    return 413;
  }
}
